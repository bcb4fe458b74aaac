"""The rail of the running suite: the provider, reached by the payment adapter."""


class ProviderRail:
    """Posting a payable pays nothing at once: `pay` answers None, the writer records a NEW
    payment order, and the adapter posts the provider's answer when it comes."""

    def __init__(self, name: str):
        self.name = name

    def pay(self, idempotency_key: str, participant_id: str, amount, currency: str) -> None:
        return None

"""An instant in-process rail, for unit tests and benchmarks of the writer alone: it answers
a payable at once, confirming every payment except to the participants it is given. The
running suite pays through the simulated provider (services/ledger/payments), which answers
later; `pay` answering None means that.
"""
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class RailResult:
    confirmed: bool
    reference: str | None
    reason: str | None = None


class SimulatedRail:
    def __init__(self, name: str, decline_participants=()):
        self.name = name
        self.decline = set(decline_participants or ())

    def pay(self, idempotency_key: str, participant_id: str, amount, currency: str) -> RailResult:
        if participant_id in self.decline:
            return RailResult(False, None, "recipient wallet is not registered on the rail")
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12].upper()
        return RailResult(True, f"{self.name[:3].upper()}{digest}")

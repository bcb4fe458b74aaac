"""The payment rail. Mobile money is the norm; here it is simulated (no real provider).

The simulation confirms every payment except to participants listed in configuration,
so demos and tests can exercise failures. Its reference is derived from the
idempotency key, as a real rail's would be when given one.
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

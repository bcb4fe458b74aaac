"""What the simulated provider decides, deterministically: the same seed and the same
reference always give the same outcome, so a test or a benchmark is reproducible."""
import hashlib
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FAILURE_REASONS = ("PAYEE_NOT_FOUND", "PAYER_LIMIT_REACHED", "NOT_ALLOWED", "INTERNAL_PROCESSING_ERROR")


def score(seed: str, *parts: str) -> float:
    """A number in [0, 1) drawn from the seed and the parts."""
    digest = hashlib.blake2b("\x1f".join((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


def account_known(seed: str, account: str, unknown_rate: float) -> bool:
    return score(seed, "account", account) >= unknown_rate


def name_matches(seed: str, account: str, name: str, mismatch_rate: float) -> bool:
    """Whether `name` is the holder's, as far as the simulation knows; compared after folding
    case and spaces, so "Amina  Hassan" and "amina hassan" get the same answer."""
    folded = " ".join(name.casefold().split())
    return score(seed, "name", account, folded) >= mismatch_rate


def failure_reason(seed: str, reference: str, account: str, settings) -> str | None:
    """Why a payment fails before any money moves, or None when it goes through."""
    if not account_known(seed, account, settings.unknown_account_rate):
        return "PAYEE_NOT_FOUND"
    drawn = score(seed, "fail", reference)
    if drawn < settings.failure_rate:
        return FAILURE_REASONS[int(drawn / settings.failure_rate * len(FAILURE_REASONS))]
    return None


def reversed_after_payment(seed: str, reference: str, rate: float) -> bool:
    return score(seed, "reverse", reference) < rate


def fee_minor(amount_minor: int, flat: Decimal, percent: Decimal) -> int:
    """The charge for a payment, in minor units (cents), rounded half up."""
    fee = flat + (Decimal(amount_minor) * CENT * percent / 100)
    return int(fee.quantize(CENT, rounding=ROUND_HALF_UP) / CENT)


def receipt(seed: str, kind: str, reference: str) -> str:
    """The provider's own transaction id for a payment, reversal or top-up (60 random-looking
    bits, so 1,000,000 receipts collide with a chance below one in a million)."""
    digest = hashlib.blake2b("\x1f".join((seed, kind, reference)).encode(), digest_size=8).digest()
    return "SP" + format(int.from_bytes(digest, "big") >> 4, "015X")

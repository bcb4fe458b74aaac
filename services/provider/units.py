"""The provider's tables keep money as integer minor units (cents) and the times a worker
polls as Unix seconds; these give what people read: decimal strings and UTC times."""
from datetime import datetime, timezone
from decimal import Decimal


def to_minor(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def text(minor: int) -> str:
    sign, whole = ("-" if minor < 0 else ""), abs(minor)
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def utc(seconds: float) -> datetime:
    """A naive UTC datetime, whole seconds (as a statement prints it)."""
    return datetime.fromtimestamp(int(seconds), timezone.utc).replace(tzinfo=None)

"""Money is a Decimal with an explicit currency, carried as strings on the wire."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
import re
from typing import Annotated

from pydantic import BeforeValidator

from shared.errors import ValidationFailed

CURRENCY = re.compile(r"^[A-Z]{3}$")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1000000000000")  # fits Numeric(14, 2); nothing in this domain is larger


def parse_amount(value) -> Decimal:
    """A positive amount with at most two decimal places; floats are refused."""
    if isinstance(value, (float, bool)) or value is None:
        raise ValidationFailed(f"amount must be a decimal string, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(f"amount {value!r} is not a number") from None
    if not amount.is_finite():
        raise ValidationFailed(f"amount {value!r} is not a number")
    if amount <= 0:
        raise ValidationFailed(f"amount must be positive, got {amount}")
    if amount >= MAX_AMOUNT:
        raise ValidationFailed(f"amount {amount} is beyond any plausible payment")
    if amount != amount.quantize(CENT):
        raise ValidationFailed(f"amount {amount} has more than two decimal places")
    return amount.quantize(CENT)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount, currency: str) -> "Money":
        if not isinstance(currency, str) or not CURRENCY.match(currency):
            raise ValidationFailed(f"currency must be a three-letter ISO code, got {currency!r}")
        return cls(parse_amount(amount), currency)

    def as_dict(self) -> dict:
        return {"amount": str(self.amount), "currency": self.currency}


def _amount_field(value) -> Decimal:
    """On the wire an amount is a decimal string: a JSON number (integer or not) is refused,
    so the contract the API documents is the one it keeps."""
    if isinstance(value, int):
        raise ValueError(f"amount must be a decimal string such as \"{value}.00\", got the number {value}")
    try:
        return parse_amount(value)
    except ValidationFailed as exc:
        raise ValueError(exc.message) from None


Amount = Annotated[Decimal, BeforeValidator(_amount_field)]
"""A pydantic field type for a positive money amount given as a decimal string."""

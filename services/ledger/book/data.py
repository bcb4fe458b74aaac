"""The ledger's value types: the directives the suite writes, apart from their text (as
Beancount keeps `core/data.py` apart from its parser and printer)."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Leg:
    account: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Transaction:
    day: date
    narration: str
    legs: tuple[Leg, ...]
    meta: dict[str, str] = field(default_factory=dict)
    links: tuple[str, ...] = ()

    def __post_init__(self):
        totals: dict[str, Decimal | int] = {}
        for leg in self.legs:
            totals[leg.currency] = totals.get(leg.currency, 0) + leg.amount  # an int 0: no Decimal made per leg
        unbalanced = {c: t for c, t in totals.items() if t != 0}
        if unbalanced:
            raise ValueError(f"transaction does not balance: {unbalanced}")


@dataclass(frozen=True)
class Open:
    """An account opened in the chart of accounts."""
    day: date
    account: str


@dataclass(frozen=True)
class Close:
    """An account closed in the chart of accounts: nothing is posted to it after `day`."""
    day: date
    account: str


@dataclass(frozen=True)
class Balance:
    """A balance assertion: the account held exactly `amount` at the start of `day`."""
    day: date
    account: str
    amount: Decimal
    currency: str

"""What finance's own entries have in common: lines on open accounts that are not closed,
in one currency, dated no later than today."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book.data import Leg
from services.ledger.models import OpenAccount
from services.ledger.writer.accounts import refuse_closed
from services.ledger.schemas import JournalLine
from shared.errors import ValidationFailed


def legs(session: Session, lines: list[JournalLine], currency: str) -> tuple[Leg, ...]:
    """The lines as legs, refused when an account is not open in the ledger or is closed."""
    accounts = {line.account for line in lines}
    known = set(session.scalars(select(OpenAccount.account).where(OpenAccount.account.in_(accounts))))
    if unknown := sorted(accounts - known):
        raise ValidationFailed(f"unknown account {', '.join(unknown)}: it is not open in the ledger")
    refuse_closed(session, accounts)
    return tuple(Leg(line.account, line.signed, currency) for line in lines)


def balanced(legs_: tuple[Leg, ...]) -> None:
    total = sum((leg.amount for leg in legs_), Decimal(0))
    if total != 0:
        raise ValidationFailed(f"the entry does not balance: debits exceed credits by {total}")


def not_future(day: date, today: date) -> None:
    if day > today:
        raise ValidationFailed(f"{day} is in the future")

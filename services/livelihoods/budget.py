"""Budget control: never commit more of a donor's money than the ledger says arrived.

Funded is what the ledger recorded for the programme (`funding.received`); committed
is every grant approved, being paid or paid, and every allowance payment released and not
failed. An approval or allowance release that would take committed above funded is refused.
"""
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods.models import AllowanceCycle, AllowancePayment, Funding, GrantApplication, Programme
from shared.contracts import FundingReceived
from shared.errors import InsufficientFunds

COMMITTED = ("APPROVED", "DISBURSING", "DISBURSED")
ALLOWANCES_COMMITTED = ("REQUESTED", "PAID")


def funding_received(session: Session, event: FundingReceived) -> None:
    session.merge(Funding(reference=event.reference, programme=event.programme, amount=event.amount,
                          currency=event.currency, received_on=event.received_on))


def position(session: Session, programme: Programme) -> dict:
    funded = session.scalar(select(func.coalesce(func.sum(Funding.amount), 0)).where(
        Funding.programme == programme.code, Funding.currency == programme.currency))
    committed = session.scalar(select(func.coalesce(func.sum(GrantApplication.amount), 0)).where(
        GrantApplication.programme == programme.code, GrantApplication.status.in_(COMMITTED)))
    committed += session.scalar(select(func.coalesce(func.sum(AllowancePayment.amount), 0)).join(
        AllowanceCycle, AllowanceCycle.id == AllowancePayment.cycle_id).where(
        AllowanceCycle.programme == programme.code, AllowancePayment.status.in_(ALLOWANCES_COMMITTED)))
    funded, committed = Decimal(funded).quantize(Decimal("0.01")), Decimal(committed).quantize(Decimal("0.01"))
    return {"programme": programme.code, "currency": programme.currency, "budget": str(programme.budget),
            "funded": str(funded), "committed": str(committed), "available": str(funded - committed)}


def require_available(session: Session, programme: Programme, amount: Decimal) -> None:
    available = Decimal(position(session, programme)["available"])
    if amount > available:
        raise InsufficientFunds(f"committing {amount} {programme.currency} would over-commit {programme.code}: "
                                f"{available} {programme.currency} available of the funding received, "
                                f"short by {amount - available} {programme.currency}")

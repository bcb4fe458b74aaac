"""A cycle's rows built in bulk: entitlements and payment attempts inserted a chunk at a
time with one statement each, never an ORM object or an id lookup per payment.

A payment's id is the disbursement id the ledger keeps (12 characters at most): `A-` (a
grant cycle's: `D-`, ten characters after it where a tranche released on its own has eight), the
cycle's own four-character prefix (unique among cycles), and the payment's number within
the cycle in six characters of the same alphabet as every other id, so ids are unique
without asking the database about each one.
"""
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from services.livelihoods.models import AllowanceCycle, AllowanceEntitlement, AllowancePayment, Disbursement
from shared.ids import ALPHABET, new_id

PREFIX = "A-"
NUMBER_DIGITS = 6


def new_prefix(session: Session) -> str:
    """Four characters no other cycle's payments start with."""
    while True:
        candidate = new_id("", 4)
        if session.scalar(select(AllowanceCycle.id).where(AllowanceCycle.payment_prefix == candidate)) is None:
            return candidate


def payments_of(cycle: AllowanceCycle) -> type[AllowancePayment] | type[Disbursement]:
    """Where a cycle's payments are: allowance payments, or grant tranches' disbursements."""
    return Disbursement if cycle.kind == "GRANT" else AllowancePayment


def payment_id(prefix: str, number: int, kind_prefix: str = PREFIX) -> str:
    digits = ""
    for _ in range(NUMBER_DIGITS):
        number, digit = divmod(number, len(ALPHABET))
        digits = ALPHABET[digit] + digits
    if number:
        raise OverflowError("a cycle holds at most 32**6 payments")
    return f"{kind_prefix}{prefix}{digits}"


def idempotency_key(programme: str, month: str, participant_id: str, attempt: int) -> str:
    return f"allowance:{programme}:{month}:{participant_id}:a{attempt}"


def payments_made(session: Session, cycle: AllowanceCycle) -> int:
    """How many payment rows the cycle has: the number the next one gets."""
    payments = payments_of(cycle)
    return session.scalar(select(func.count()).select_from(payments).where(payments.cycle_id == cycle.id))


def add_entitled(session: Session, cycle: AllowanceCycle, participant_ids: list[str], amount: Decimal,
                 first_number: int) -> None:
    """An entitlement and a PENDING first attempt for each participant, in three statements."""
    session.execute(insert(AllowanceEntitlement), [
        {"programme": cycle.programme, "month": cycle.month, "participant_id": pid, "cycle_id": cycle.id}
        for pid in participant_ids])
    entitlement_of = dict(session.execute(  # by the unique key: a lookup per id, not a scan of the cycle
        select(AllowanceEntitlement.participant_id, AllowanceEntitlement.id).where(
            AllowanceEntitlement.programme == cycle.programme, AllowanceEntitlement.month == cycle.month,
            AllowanceEntitlement.participant_id.in_(participant_ids))).tuples().all())
    session.execute(insert(AllowancePayment), [
        {"id": payment_id(cycle.payment_prefix, first_number + n), "cycle_id": cycle.id,
         "entitlement_id": entitlement_of[pid], "participant_id": pid, "amount": amount,
         "currency": cycle.currency, "attempt": 1, "status": "PENDING",
         "idempotency_key": idempotency_key(cycle.programme, cycle.month, pid, 1)}
        for n, pid in enumerate(participant_ids)])


def reissue(session: Session, cycle: AllowanceCycle, failed: list, first_number: int) -> list[dict]:
    """A new REQUESTED attempt for each failed one given (rows of id, entitlement_id,
    participant_id, amount, currency, attempt), which becomes REISSUED; the new rows."""
    session.execute(update(AllowancePayment).where(AllowancePayment.id.in_([row.id for row in failed]))
                    .values(status="REISSUED"))
    rows = [{"id": payment_id(cycle.payment_prefix, first_number + n), "cycle_id": cycle.id,
             "entitlement_id": row.entitlement_id, "participant_id": row.participant_id, "amount": row.amount,
             "currency": row.currency, "attempt": row.attempt + 1, "status": "REQUESTED",
             "idempotency_key": idempotency_key(cycle.programme, cycle.month, row.participant_id, row.attempt + 1)}
            for n, row in enumerate(failed)]
    session.execute(insert(AllowancePayment), rows)
    return rows

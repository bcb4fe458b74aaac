"""The organisation's float: its balance, top-ups from the bank and returns to it, and the
statement lines that move it.

Every change of the float takes `FLOAT_LOCK` (one provider process) and the row lock (on
PostgreSQL), so the running balance printed on each statement line is exact."""
import json
import threading
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, select, update

from services.provider import bulk, simulation
from services.provider.models import FloatAccount, FloatReturn, StatementLine, TopUp
from services.provider.units import text, to_minor
from shared.errors import IdempotencyConflict, InsufficientFunds, ValidationFailed

FLOAT_LOCK = threading.Lock()


class _Kind(NamedTuple):
    name: str      # in messages
    receipt: str   # what the receipt number is derived from, with the reference
    details: str   # the statement line's Details
    sign: int      # +1 paid in, -1 withdrawn


TRANSFERS = {TopUp: _Kind("top-up", "topup", "Funds transfer from bank", 1),
             FloatReturn: _Kind("return", "return", "Funds transfer to bank", -1)}


def balance(conn, settings) -> int:
    """The float's balance in minor units, opening it at the configured balance if new."""
    row = conn.execute(select(FloatAccount.balance_minor).where(FloatAccount.currency == settings.currency)
                       .with_for_update()).first()
    if row is not None:
        return row[0]
    opening = to_minor(settings.opening_balance)
    conn.execute(insert(FloatAccount).values(currency=settings.currency, balance_minor=opening))
    return opening


def store_balance(conn, settings, minor: int) -> None:
    conn.execute(update(FloatAccount).where(FloatAccount.currency == settings.currency).values(balance_minor=minor))


def line(receipt: str, at: datetime, details: str, reference: str, balance_after: int,
         paid_in: int = 0, withdrawn: int = 0, status: str = "Completed") -> dict:
    return {"receipt": receipt, "completed_at": at, "details": details, "status": status,
            "paid_in_minor": paid_in, "withdrawn_minor": withdrawn, "balance_minor": balance_after,
            "reference": reference}


def add_lines(conn, lines: list[dict]) -> None:
    bulk.insert_all(conn, StatementLine.__table__, lines)


def transfer_answer(row) -> dict:
    return {"reference_id": row.reference_id, "receipt": row.receipt, "amount": text(row.amount_minor),
            "currency": row.currency, "balance": text(row.balance_minor)}


def transfer(engine, settings, table, reference_id: str, amount_minor: int, currency: str,
              now: datetime) -> tuple[int, dict]:
    """A top-up (`TopUp`, a Paid In line) or a return to the bank (`FloatReturn`, a Withdrawn
    line, refused when the float holds less): 201 and the new balance; the same reference
    and content again is 200 with the first answer, another content under that reference is
    an `IdempotencyConflict`."""
    if currency != settings.currency:
        raise ValidationFailed(f"the float is in {settings.currency}, not {currency}")
    content, kind = json.dumps([amount_minor, currency]), TRANSFERS[table]
    with FLOAT_LOCK, engine.begin() as conn:
        known = conn.execute(select(table).where(table.reference_id == reference_id)).first()
        if known is not None:
            if known.content_hash != content:
                raise IdempotencyConflict(f"{kind.name} {reference_id} was made with another amount or currency")
            return 200, transfer_answer(known)
        before = balance(conn, settings)
        if kind.sign < 0 and before < amount_minor:
            raise InsufficientFunds(f"the float holds {text(before)} {currency}, less than {text(amount_minor)}")
        after = before + kind.sign * amount_minor
        receipt = simulation.receipt(settings.seed, kind.receipt, reference_id)
        row = {"reference_id": reference_id, "content_hash": content, "receipt": receipt,
               "amount_minor": amount_minor, "currency": currency, "balance_minor": after, "created_at": now}
        conn.execute(insert(table).values(**row))
        moved = {"paid_in": amount_minor} if kind.sign > 0 else {"withdrawn": amount_minor}
        add_lines(conn, [line(receipt, now, kind.details, reference_id, after, **moved)])
        store_balance(conn, settings, after)
    return 201, transfer_answer(table(**row))


def current(engine, settings) -> dict:
    with FLOAT_LOCK, engine.begin() as conn:
        return {"currency": settings.currency, "balance": text(balance(conn, settings))}

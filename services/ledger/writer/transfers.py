"""The float's own money movements as first-class entries: opening balances, top-ups of
the rail's float from a bank account and returns of float money to the bank. Each is
keyed by finance's reference with a request hash (the same again is the first result; the
same reference with other content is refused) and carries an `entry-key:`, so a retry
after a crash never appends it twice."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.data import Leg, Transaction
from services.ledger.models import TreasuryEntry
from services.ledger.schemas import FloatTransfer, JournalLine, OpeningBalances
from services.ledger.writer import books
from services.ledger.writer.entry_keys import append_once, replayed
from services.ledger.writer.posting import LedgerWriter, request_hash
from shared.errors import Conflict, ValidationFailed

NARRATION = {"TOP_UP": "Float top-up from the bank", "RETURN": "Float money returned to the bank"}


def move(session: Session, ledger: LedgerWriter, command: FloatTransfer, float_currency: str, user: str,
         today: date) -> tuple[TreasuryEntry, bool]:
    """A top-up (bank → float) or a return (float → bank); returns the entry and whether it is new."""
    if command.currency != float_currency:
        raise ValidationFailed(f"the float is kept in {float_currency}, not {command.currency}")
    bank_side, float_side = ("CREDIT", "DEBIT") if command.direction == "TOP_UP" else ("DEBIT", "CREDIT")
    legs = books.legs(session, [
        JournalLine(account=command.bank_account, side=bank_side, amount=command.amount),
        JournalLine(account=chart.rail_float(ledger.rail.name), side=float_side, amount=command.amount)],
        command.currency)
    txn = Transaction(command.day, NARRATION[command.direction], legs,
                      {"entry": command.direction.lower().replace("_", "-"), "transfer-reference": command.reference},
                      (_link(command.reference),))
    return _post(session, ledger, command, command.direction, txn, user, today)


def open_books(session: Session, ledger: LedgerWriter, command: OpeningBalances, user: str,
               today: date) -> tuple[TreasuryEntry, bool]:
    """The opening balances, once: each line against Equity:Opening-Balances."""
    legs = books.legs(session, command.lines, command.currency)
    if any(leg.account == chart.OPENING_BALANCES for leg in legs):
        raise ValidationFailed(f"{chart.OPENING_BALANCES} takes the difference; do not name it")
    equity = -sum(leg.amount for leg in legs)
    txn = Transaction(command.day, "Opening balances", (*legs, Leg(chart.OPENING_BALANCES, equity, command.currency)),
                      {"entry": "opening-balances", "transfer-reference": command.reference},
                      (_link(command.reference),))
    return _post(session, ledger, command, "OPENING", txn, user, today)


def _post(session: Session, ledger: LedgerWriter, command, kind: str, txn: Transaction, user: str,
          today: date) -> tuple[TreasuryEntry, bool]:
    existing = session.get(TreasuryEntry, command.reference, with_for_update=True)
    if replayed(existing, request_hash(command), f"reference {command.reference}"):
        return existing, False
    books.not_future(command.day, today)
    if kind == "OPENING" and session.scalar(select(TreasuryEntry).where(TreasuryEntry.kind == "OPENING").limit(1)):
        raise Conflict("the opening balances are posted already; repair them with a journal entry")
    append_once(session, ledger, [(f"treasury:{command.reference}", txn)])
    entry = TreasuryEntry(reference=command.reference, request_hash=request_hash(command), kind=kind,
                          day=command.day, amount=sum(leg.amount for leg in txn.legs if leg.amount > 0),
                          currency=txn.legs[0].currency, posted_by=user, posted_at=datetime.now(timezone.utc))
    session.add(entry)
    return entry, True


def view(entry: TreasuryEntry) -> dict:
    return {"reference": entry.reference, "kind": entry.kind, "day": entry.day.isoformat(),
            "amount": str(entry.amount), "currency": entry.currency, "posted_by": entry.posted_by}


def _link(reference: str) -> str:
    return "transfer-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in reference)

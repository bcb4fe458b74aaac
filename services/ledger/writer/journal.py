"""General journal entries, the way any mistake is repaired: one finance user prepares an
entry (idempotent by key with a request hash), another approves it, and only then is it
appended. Refused when it does not balance, names an account that is not open, or is
approved by its preparer. Dated inside the closed period, it is written on the first open
day with its own date kept (period_close)."""
import json
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book.data import Transaction
from services.ledger.models import JournalEntry
from services.ledger.schemas import JournalLine, PrepareJournalEntry
from services.ledger.writer import books, period_close
from services.ledger.writer.entry_keys import append_once, replayed
from services.ledger.writer.posting import LedgerWriter, request_hash
from shared.errors import Conflict, NotFound, SegregationOfDuties
from shared.ids import unused_id
from shared.spreadsheets import csv_text


def prepare(session: Session, command: PrepareJournalEntry, user: str, today: date) -> tuple[JournalEntry, bool]:
    """The entry and whether it is new (False: this key was submitted before with the same content)."""
    digest = request_hash(command)
    existing = session.scalar(select(JournalEntry).where(JournalEntry.key == command.key).with_for_update())
    if replayed(existing, digest, f"journal key {command.key}"):
        return existing, False
    books.not_future(command.day, today)
    books.balanced(books.legs(session, command.lines, command.currency))
    entry = JournalEntry(id=unused_id(session, JournalEntry, "J-"), key=command.key, request_hash=digest,
                         day=command.day, narration=command.narration, currency=command.currency, reason=command.reason, status="PREPARED",
                         legs=json.dumps([line.model_dump(mode="json") for line in command.lines]),
                         prepared_by=user, prepared_at=datetime.now(timezone.utc))
    session.add(entry)
    session.flush()
    return entry, True


def approve(session: Session, ledger: LedgerWriter, entry_id: str, user: str) -> JournalEntry:
    """The second finance user's approval appends the entry."""
    entry = session.get(JournalEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}")
    if entry.status != "PREPARED":
        raise Conflict(f"journal entry {entry_id} is {entry.status} (approved by {entry.approved_by})")
    if entry.prepared_by == user:
        raise SegregationOfDuties("a journal entry is approved by another finance user than its preparer")
    lines = [JournalLine(**line) for line in json.loads(entry.legs)]
    txn = Transaction(entry.day, entry.narration, books.legs(session, lines, entry.currency),
                      {"entry": "journal", "journal-id": entry.id}, (f"journal-{entry.id}",))
    append_once(session, ledger, [(f"journal:{entry.id}", txn)])
    entry.status, entry.approved_by, entry.approved_at = "APPROVED", user, datetime.now(timezone.utc)
    entry.posted_on = period_close.in_open_period(txn, ledger.closed_through).day
    return entry



def view(entry: JournalEntry) -> dict:
    return {"id": entry.id, "key": entry.key, "day": entry.day.isoformat(), "narration": entry.narration,
            "currency": entry.currency, "lines": json.loads(entry.legs), "reason": entry.reason,
            "status": entry.status, "prepared_by": entry.prepared_by, "approved_by": entry.approved_by,
            "posted_on": entry.posted_on.isoformat() if entry.posted_on else None}


def listed(session: Session) -> list[dict]:
    return [view(entry) for entry in session.scalars(select(JournalEntry).order_by(JournalEntry.prepared_at.desc()))]


def as_csv(session: Session) -> str:
    """The journal, one row per line of each entry, for a spreadsheet."""
    rows = [["id", "day", "posted_on", "status", "narration", "account", "debit", "credit", "currency",
             "prepared_by", "approved_by"]]
    for entry in session.scalars(select(JournalEntry).order_by(JournalEntry.day, JournalEntry.id)):
        for line in json.loads(entry.legs):
            debit, credit = (line["amount"], "") if line["side"] == "DEBIT" else ("", line["amount"])
            rows.append([entry.id, entry.day, entry.posted_on, entry.status, entry.narration, line["account"],
                         debit, credit, entry.currency, entry.prepared_by, entry.approved_by])
    return csv_text(rows)

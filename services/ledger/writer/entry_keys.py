"""Entries finance's actions append (fees, adjustments, corrections) carry an `entry-key:`
and are appended at most once per key, so an import or resolution retried after a crash
between the file write and the index commit does not append its entries twice. A balance
assertion (a sign-off's) is keyed by what it asserts, which recovery reads back from the
directive itself."""
from dataclasses import replace

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.ledger.book.data import Balance, Transaction
from services.ledger.models import EntryKey
from services.ledger.writer.posting import LedgerWriter
from shared.errors import IdempotencyConflict

META = "entry-key"
CHUNK = 500


def append_once(session: Session, ledger: LedgerWriter, keyed: list[tuple[str, Transaction]]) -> int:
    """Append each `(key, txn)` whose key the ledger does not hold yet, with one write and
    one fsync per file for them all; returns how many were appended."""
    keys = [key for key, _ in keyed]
    known = set()
    for start in range(0, len(keys), CHUNK):
        known.update(session.scalars(select(EntryKey.key).where(EntryKey.key.in_(keys[start:start + CHUNK]))))
    fresh = [(key, txn) for key, txn in keyed if key not in known]
    with ledger.grouped():
        for key, txn in fresh:
            ledger.append(replace(txn, meta={**txn.meta, META: key}))
    if fresh:
        session.execute(insert(EntryKey.__table__), [{"key": key} for key, _ in fresh])
    return len(fresh)


def replayed(existing, digest: str, what: str) -> bool:
    """Whether a keyed command was recorded before with the same content (answer as then);
    the same key with other content is refused."""
    if existing is None:
        return False
    if existing.request_hash != digest:
        raise IdempotencyConflict(f"{what} was used for a different request")
    return True


def assertion_key(assertion: Balance) -> str:
    return f"balance:{assertion.account}:{assertion.day.isoformat()}:{assertion.amount:.2f}:{assertion.currency}"


def assert_once(session: Session, ledger: LedgerWriter, assertion: Balance) -> bool:
    """Append a balance assertion unless the same one is in the ledger; whether it was appended."""
    key = assertion_key(assertion)
    if session.get(EntryKey, key) is not None:
        return False
    ledger.assert_balance(assertion)
    session.add(EntryKey(key=key))
    return True

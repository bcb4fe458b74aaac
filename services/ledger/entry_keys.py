"""Entries finance's actions append (fees, adjustments, corrections) carry an `entry-key:`
and are appended at most once per key, so an import or resolution retried after a crash
between the file write and the index commit does not append its entries twice."""
from dataclasses import replace

from sqlalchemy.orm import Session

from services.ledger.entries import Transaction
from services.ledger.models import EntryKey
from services.ledger.posting import Ledger

META = "entry-key"


def append_once(session: Session, ledger: Ledger, key: str, txn: Transaction) -> bool:
    """Append `txn` under `key` unless an entry with that key is in the ledger already."""
    if session.get(EntryKey, key) is not None:
        return False
    ledger.append(replace(txn, meta={**txn.meta, META: key}))
    session.add(EntryKey(key=key))
    return True

"""Start-up recovery of the single writer: the files are the record, the index follows.

The files are first inspected against the index (`inspection.py`): an unfinished write at
the end is cut into quarantine; anything the writer did not write stops it, changing
nothing. Then **entries the index never recorded** (the process died after the fsync,
before the index committed) are indexed and announced again. A payable whose answer never
reached the files gets its payment order again (the payment adapter asks the provider about
it and sends it only if the provider does not know it); an answer that reached the files
but not the index is recorded on its payable.
"""
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.data import Balance, Close, Open, Transaction
from services.ledger.models import (ChainHead, ClosedAccount, EntryKey, FundingPosting, KnownProgramme, OpenAccount,
                                    Posting)
from services.ledger.schemas import RecordFunding
from services.ledger.writer import corrections, entry_keys
from services.ledger.writer.inspection import cut, inspect
from services.ledger.payments import orders
from services.ledger.writer.posting import PENDING, LedgerWriter, chain_head, index_checkpoint, request_hash, result_event
from shared.contracts import DisbursementRequested, FundingReceived


def _command(payable: Transaction) -> DisbursementRequested:
    kind = next(k for k, account in chart.PAYABLE.items() if any(leg.account == account for leg in payable.legs))
    amount = next(leg for leg in payable.legs if leg.amount > 0)
    reference = next(link for link in payable.links if link.startswith(f"{kind.lower()}-"))[len(kind) + 1:]
    return DisbursementRequested(
        disbursement_id=payable.meta["disbursement-id"], idempotency_key=payable.meta["idempotency-key"],
        participant_id=payable.meta["participant"], programme=payable.meta["programme"], kind=kind,
        amount=amount.amount, currency=amount.currency, reference=reference, cycle=payable.meta.get("cycle"))


def recover(session: Session, ledger: LedgerWriter, emit) -> list[str]:
    """Check every file against the index, cut an unfinished write (into quarantine), and
    bring the index up to the files; returns what was done (for the log). Raises
    LedgerTampered, having changed nothing, when the files are not what the writer wrote."""
    directory = ledger.files.directory
    found = inspect(directory, index_checkpoint(session))
    repaired = [line for torn in found.torn if (line := cut(directory, torn))]
    if found.chart:
        _index_opened(session, [entry.directive() for entry in found.chart], found.chart[-1].unsealed()[1])
    pending = [entry.directive() for entry in found.journal]
    if not pending:
        return repaired
    ledger.catch_up(found.journal_head, pending)
    by_key: dict[str, list[Transaction]] = {}
    for txn in pending:
        if isinstance(txn, Balance):
            if session.get(EntryKey, entry_keys.assertion_key(txn)) is None:
                session.add(EntryKey(key=entry_keys.assertion_key(txn)))
            repaired.append(f"indexed the balance assertion of {txn.account} on {txn.day}")
        elif txn.meta.get("entry") == "funding":
            _recover_funding(session, txn, emit)
        elif entry_keys.META in txn.meta:
            _recover_keyed(session, directory, txn, emit)
        else:
            by_key.setdefault(txn.meta["idempotency-key"], []).append(txn)
    for key, txns in by_key.items():
        entries = {t.meta["entry"]: t for t in txns}
        answer = entries.get("payment") or entries.get("reversal")
        posting = session.get(Posting, key)
        if posting is None:
            posting = ledger.settle(_command(entries["payable"]), entries["payable"].day, answer)
        elif answer is not None and posting.status == PENDING:
            ledger.record_answer(posting, answer)
            orders.answered(session, key)
        else:
            posting = None
        if posting is not None and posting.status != PENDING:
            emit(result_event(posting))
        repaired.append(f"indexed disbursement {txns[0].meta['disbursement-id']}")
    return repaired


def _recover_keyed(session: Session, directory: Path, txn: Transaction, emit) -> None:
    """A fee, adjustment or correction: its key is recorded, so retrying the import or the
    resolution the crash interrupted does not append it again."""
    if session.get(EntryKey, txn.meta[entry_keys.META]) is None:
        session.add(EntryKey(key=txn.meta[entry_keys.META]))
    if txn.meta.get("entry") == "correction":
        corrections.recovered(session, directory, txn, emit)


def _index_opened(session: Session, found: list[Open | Close], head_hash: str) -> None:
    """Accounts whose `open` or `close` reached the chart of accounts but not the index (a
    retried close then finds the account closed)."""
    head = chain_head(session, ChainHead.CHART)
    head.head_hash, head.entries = head_hash, head.entries + len(found)
    for entry in found:
        if isinstance(entry, Close):
            if session.get(ClosedAccount, entry.account) is None:
                session.add(ClosedAccount(account=entry.account, closed_on=entry.day, closed_at=_now()))
        elif session.get(OpenAccount, entry.account) is None:
            session.add(OpenAccount(account=entry.account))


def _recover_funding(session: Session, txn: Transaction, emit) -> None:
    reference = txn.meta["funding-reference"]
    if session.get(FundingPosting, reference) is not None:
        return
    programme = session.get(KnownProgramme, txn.meta["programme"])
    bank = next(leg for leg in txn.legs if leg.amount > 0)
    command = RecordFunding(programme=programme.code, amount=bank.amount, currency=bank.currency,
                            reference=reference, received_on=txn.day)
    session.add(FundingPosting(reference=reference, request_hash=request_hash(command), programme=programme.code,
                               amount=bank.amount, currency=bank.currency, received_on=txn.day,
                               posted_at=_now()))
    emit(FundingReceived(programme=programme.code, donor=programme.donor, amount=bank.amount,
                         currency=bank.currency, reference=reference, received_on=txn.day))


def _now() -> datetime:
    return datetime.now(timezone.utc)

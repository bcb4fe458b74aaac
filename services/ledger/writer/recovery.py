"""Start-up recovery of the single writer: the files are the record, the index follows.

A crash can leave two things behind. A **torn tail** (the process died inside an append)
is cut back to the last whole, correctly chained transaction. **Transactions the index
never recorded** (the process died after the fsync, before the index committed) are
indexed and announced again. A payable whose answer never reached the files gets its
payment order again (the payment adapter asks the provider about it and sends it only if
the provider does not know it); an answer that reached the files but not the index is
recorded on its payable. Anything else that breaks the chain is tampering: the writer refuses
to start and `ddrr ledger verify` names the entry.
"""
import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.writer import corrections, entry_keys
from services.ledger.book.files import ACCOUNTS, period_files
from services.ledger.book.data import Transaction
from services.ledger.book.text import GENESIS, blocks, is_whole_balance, opens, parse, seal
from services.ledger.models import ChainHead, EntryKey, FundingPosting, KnownProgramme, OpenAccount, Posting
from services.ledger.payments import orders
from services.ledger.writer.posting import PENDING, LedgerWriter, request_hash, result_event
from services.ledger.schemas import RecordFunding
from shared.contracts import DisbursementRequested, FundingReceived



class LedgerTampered(RuntimeError):
    pass


def repair_torn_tail(directory: Path) -> bool:
    """Cut a half-written last transaction (or trailing garbage) off the last period file."""
    files = period_files(directory)
    if not files:
        return False
    last = files[-1]
    previous = GENESIS
    for path in files[:-1]:
        for block in blocks(path):
            previous = block.digest
    valid_end = None
    tail = blocks(last)
    for number, block in enumerate(tail):
        if block.digest != seal(previous, block.text):
            if number != len(tail) - 1:
                raise LedgerTampered(f"{last.name}: the hash chain breaks before the last transaction")
            break
        previous, valid_end = block.digest, block.end
    size = last.stat().st_size
    keep = _whole_assertions_end(last, valid_end if valid_end is not None else _header_end(last))
    if keep >= size or not last.read_bytes()[keep:].strip():
        return False
    with open(last, "r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _whole_assertions_end(path: Path, start: int) -> int:
    """After the last whole transaction, keep the whole `balance` assertions (sign-off
    appends them) and blank lines; anything else there is a torn write."""
    end, blank = start, 0
    for raw in path.read_bytes()[start:].splitlines(keepends=True):
        if raw == b"\n":
            blank += 1
        elif is_whole_balance(raw.decode("utf-8", "replace")):
            end, blank = end + blank + len(raw), 0
        else:
            break
    return end


def _header_end(path: Path) -> int:
    """Where the period file's own comment line ends (no transaction survived)."""
    return len(path.read_bytes().split(b"\n", 1)[0]) + 1


def unindexed(directory: Path, head: str) -> list[Transaction]:
    """The transactions after the one the index last recorded."""
    chain = [block for path in period_files(directory) for block in blocks(path)]
    digests = [GENESIS] + [block.digest for block in chain]
    if head not in digests:
        raise LedgerTampered("the index's last transaction is not in the files (entries removed?)")
    return [parse(block.text) for block in chain[digests.index(head):]]


def _command(payable: Transaction) -> DisbursementRequested:
    kind = next(k for k, account in chart.PAYABLE.items() if any(leg.account == account for leg in payable.legs))
    amount = next(leg for leg in payable.legs if leg.amount > 0)
    reference = next(link for link in payable.links if link.startswith(f"{kind.lower()}-"))[len(kind) + 1:]
    return DisbursementRequested(
        disbursement_id=payable.meta["disbursement-id"], idempotency_key=payable.meta["idempotency-key"],
        participant_id=payable.meta["participant"], programme=payable.meta["programme"], kind=kind,
        amount=amount.amount, currency=amount.currency, reference=reference, cycle=payable.meta.get("cycle"))


def recover(session: Session, ledger: LedgerWriter, emit) -> list[str]:
    """Bring the index up to the files; returns what was recovered (for the log)."""
    directory = ledger.files.directory
    repaired = ["torn tail cut"] if repair_torn_tail(directory) else []
    for _day, account in opens((directory / ACCOUNTS).read_text(encoding="utf-8")):
        if session.get(OpenAccount, account) is None:
            session.add(OpenAccount(account=account))
    head = session.get(ChainHead, 1)
    pending = unindexed(directory, head.head_hash if head else GENESIS)
    if not pending:
        return repaired
    ledger.catch_up(seal_of_last(directory), pending)
    by_key: dict[str, list[Transaction]] = {}
    for txn in pending:
        if txn.meta.get("entry") == "funding":
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


def seal_of_last(directory: Path) -> str:
    last = GENESIS
    for path in period_files(directory):
        for block in blocks(path):
            last = block.digest
    return last


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

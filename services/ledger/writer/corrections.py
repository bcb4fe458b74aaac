"""Corrections: a reversing entry linked to the transaction it reverses. Nothing in the
files is ever edited or removed; the reason stays in the index (it is free text and could
name someone), the ledger carries the link."""
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book.data import Leg, Transaction
from services.ledger.book.text import blocks_containing, is_hash
from services.ledger.writer.entry_keys import append_once
from services.ledger.models import Correction, FundingPosting, Posting, StatementItem
from services.ledger.reconciliation.matcher import Outcome
from services.ledger.book import chart
from services.ledger.writer.posting import LedgerWriter, result_event
from services.ledger.book.files import period_files
from shared.errors import Conflict, NotFound, ValidationFailed

CARRIED_META = ("disbursement-id", "participant", "programme")
LOST_REASON = "(recorded by start-up recovery: the reason was lost when the writer stopped)"
REVERSED_REASON = "the payment was reversed after it was made (ledger correction)"


def find(directory: Path, needle: str) -> list[tuple[str, Transaction]]:
    """Transactions whose text contains `needle`, as (hash, transaction), in file order:
    a text search per file, then the blank-line separated block around each hit."""
    found = []
    for path in period_files(directory):
        for entry in blocks_containing(path.read_bytes(), needle):
            if isinstance(directive := entry.directive(), Transaction):
                found.append((entry.unsealed()[1], directive))
    return found


def payment_hash(directory: Path, disbursement_id: str) -> str:
    """The hash of the transaction that paid a disbursement."""
    for digest, txn in find(directory, f'disbursement-id: "{disbursement_id}"'):
        if txn.meta.get("entry") == "payment":
            return digest
    raise NotFound(f"the ledger has no payment for disbursement {disbursement_id}")


def reverse(session: Session, ledger: LedgerWriter, txn_hash: str, reason: str, user: str, day: date, emit) -> dict:
    """Append the reversing entry of one transaction and record why. A transaction is
    reversed at most once, and a correction is not itself reversed (post a new entry).
    A reversed payment also cancels its payable, as a refused one does, and livelihoods is
    told the disbursement failed, so the tranche can be paid again under a new attempt."""
    if not is_hash(txn_hash):
        raise ValidationFailed("hash must be the 64 hexadecimal characters of a transaction's hash: metadata")
    if session.get(Correction, txn_hash) is not None:
        raise Conflict(f"transaction {txn_hash[:12]}… has already been reversed")
    hits = [txn for digest, txn in find(ledger.files.directory, f'hash: "{txn_hash}"') if digest == txn_hash]
    if not hits:
        raise NotFound(f"the ledger has no transaction with hash {txn_hash}")
    original = hits[0]
    if original.meta.get("entry") == "correction":
        raise Conflict("a correction is not reversed; post a new correcting entry instead")
    meta = {"entry": "correction", "reverses": txn_hash,
            **{key: original.meta[key] for key in CARRIED_META if key in original.meta}}
    links = (*original.links, f"reverses-{txn_hash[:16]}")
    if original.meta.get("entry") == "payment" and _rail_kept_it(session, original.meta["disbursement-id"]):
        entries = [(f"correction:{txn_hash}", _owed_back(original, meta, links, day))]
    else:
        entries = [(f"correction:{txn_hash}", Transaction(
            day, f"Reversal of: {original.narration}",
            tuple(Leg(leg.account, -leg.amount, leg.currency) for leg in original.legs), meta, links))]
        if original.meta.get("entry") == "payment":
            entries.append((f"cancellation:{txn_hash}", _payable_cancelled(original, meta, day)))
    append_once(session, ledger, entries)
    now = datetime.now(timezone.utc)
    session.add(Correction(reversed_hash=txn_hash, reason=reason, corrected_by=user, corrected_at=now))
    _follow_in_index(session, original, now, emit)
    return {"reversed": txn_hash, "entry": original.meta.get("entry"), "narration": original.narration,
            "day": day.isoformat(), "reason": reason, "corrected_by": user}


def _rail_kept_it(session: Session, disbursement_id: str) -> bool:
    """A statement matched the payment and none shows it given back: the rail really paid it."""
    outcomes = set(session.scalars(select(StatementItem.outcome).where(
        StatementItem.disbursement_id == disbursement_id)))
    return bool(outcomes & {Outcome.MATCHED, Outcome.AMOUNT_MISMATCH}) and Outcome.REVERSAL not in outcomes


def _owed_back(payment: Transaction, meta: dict, links: tuple[str, ...], day: date) -> Transaction:
    """A payment the rail made cannot be undone in the books: its expense becomes a
    receivable from the recipient, and the float keeps showing the money as gone."""
    [paid] = [leg for leg in payment.legs if leg.amount < 0]  # out of the float
    kind = next(k for k, account in chart.PAYABLE.items() if any(leg.account == account for leg in payment.legs))
    return Transaction(day, f"Paid by the rail, owed back by its recipient: {payment.narration}", (
        Leg(chart.RECEIVABLE_RECIPIENTS, -paid.amount, paid.currency),
        Leg(chart.expense(kind, payment.meta["programme"]), paid.amount, paid.currency)),
        {**meta, "settled-as": "receivable"}, links)


def _payable_cancelled(payment: Transaction, meta: dict, day: date) -> Transaction:
    """The payable of a reversed payment, cancelled against its expense: nothing was paid."""
    [payable] = [leg for leg in payment.legs if leg.account in chart.PAYABLE.values()]
    kind = next(k for k, account in chart.PAYABLE.items() if account == payable.account)
    expense = chart.expense(kind, payment.meta["programme"])
    return Transaction(day, f"{kind.title()} payment reversed: payable cancelled", (
        Leg(payable.account, payable.amount, payable.currency), Leg(expense, -payable.amount, payable.currency)),
        {**{key: value for key, value in meta.items() if key != "reverses"}, "entry": "cancellation",
         "payment-reversed": meta["reverses"]}, payment.links)


def _follow_in_index(session: Session, original: Transaction, now: datetime, emit) -> None:
    """Payments and funding have index rows that reports read: mark them reversed."""
    if original.meta.get("entry") == "payment":
        posting = session.scalar(select(Posting).where(
            Posting.idempotency_key == original.meta["idempotency-key"]))
        posting.status, posting.failure_reason = "REVERSED", REVERSED_REASON
        emit(result_event(posting))
    elif original.meta.get("entry") == "funding":
        session.get(FundingPosting, original.meta["funding-reference"]).reversed_at = now


def recovered(session: Session, directory: Path, txn: Transaction, emit) -> None:
    """A correction that reached the files but not the index (the writer stopped before
    its commit): recorded again, the reason being lost with the transaction that held it."""
    if session.get(Correction, txn.meta["reverses"]) is not None:
        return
    now = datetime.now(timezone.utc)
    session.add(Correction(reversed_hash=txn.meta["reverses"], reason=LOST_REASON, corrected_by="recovery",
                           corrected_at=now))
    [original] = [found for digest, found in find(directory, f'hash: "{txn.meta["reverses"]}"')
                  if digest == txn.meta["reverses"]]
    _follow_in_index(session, original, now, emit)

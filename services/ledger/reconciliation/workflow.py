"""Reconciliation as finance works it: import a statement, resolve each exception with a
reason, sign the period off.

* **Import** reads the statement (refusing one for another account), matches it against the
  payments and the float's top-ups and returns not yet accounted for by an earlier statement
  (a transfer on another day than the ledger's is a `DATE_MISMATCH`), keeps every
  line with its outcome and its category (never the rail's Details, where payees' names
  appear), and posts each fee line from the float to the fee account. The same file again changes
  nothing; a statement repeating receipts of another one is refused.
* **Resolve** an exception, with a reason, in one of three ways:
  `ACCEPT` (explained, no entry), `ADJUST` (an entry between the float and an open account
  finance names, for the difference between statement and ledger) or `REVERSE_PAYMENT`
  (a reversal or a payment missing from the statement: the payment's reversing entry, so
  the participant is owed again).
  An adjustment larger than the write-off limit (`LEDGER.write_off_approval_above`) is only
  proposed: another finance user approves it, and only then is it appended. A transfer on
  another day is not adjusted (the ledger's own entry would count it twice): it is accepted,
  or moved to the rail's day with a journal entry.
* **Sign-off** is another finance user's than the importer's, for a statement whose last
  day is over; it refuses while an exception is open, and while the ledger's float at the
  end of the statement differs from the statement's closing balance; then it appends a
  Beancount `balance` assertion for the day after (once: a sign-off retried after a crash
  finds its key, entry_keys.assert_once), which Beancount checks from then on, and
  closes the period up to the statement's last day (period_close). A statement reaching
  into the closed period is refused.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.writer import corrections, period_close
from services.ledger.reports.balance_as_of import balance_before
from services.ledger.book.data import Balance, Leg, Transaction
from services.ledger.writer.accounts import refuse_closed
from services.ledger.writer.entry_keys import append_once, assert_once
from services.ledger.models import Correction, OpenAccount, Posting, Statement, StatementItem, TreasuryEntry, WriteOff
from services.ledger.writer.posting import LedgerWriter
from services.ledger.reconciliation.matcher import (EXCEPTIONS, TRANSFER_CATEGORY, ExpectedTransfer, LineResult,
                                                   Outcome, expected_from_postings, reconcile)
from services.ledger.reconciliation.importer import fee_narration, read_statement
from shared.errors import (BalanceMismatch, Conflict, NotFound, OpenExceptions, SegregationOfDuties,
                           ValidationFailed)
from shared.ids import unused_id
from shared.spreadsheets import csv_text

ACCOUNTED = (Outcome.MATCHED, Outcome.AMOUNT_MISMATCH)
TRANSFER_SHOWN = (Outcome.TOP_UP, Outcome.RETURN, Outcome.AMOUNT_MISMATCH, Outcome.DATE_MISMATCH)
LEDGER_HOLDS = (Outcome.AMOUNT_MISMATCH, Outcome.DATE_MISMATCH, Outcome.MISSING_FROM_STATEMENT)
CHUNK = 500


@dataclass(frozen=True)
class Resolution:
    action: str            # ACCEPT, ADJUST or REVERSE_PAYMENT
    reason: str
    account: str | None = None


def float_difference(item: StatementItem) -> Decimal:
    """What the statement moved on the float minus what the ledger moved up to the
    statement's last day, for this item."""
    moved = item.paid_in - item.withdrawn
    if item.outcome not in LEDGER_HOLDS:
        return moved
    if item.expected_day is not None and item.expected_day > item.statement.last_day:
        return moved  # the ledger moves it after the statement's days
    return moved - (item.expected_amount if item.category == "top-up" else -item.expected_amount)


class Reconciliation:
    def __init__(self, session: Session, ledger: LedgerWriter, rail: str, currency: str, emit,
                 today: date | None = None, write_off_limit: Decimal | None = None):
        self.session = session
        self.ledger = ledger
        self.emit = emit  # events to other services, into the outbox (a reversed payment's answer)
        self.account = chart.rail_float(rail)
        self.currency = currency
        self.today = today or datetime.now(timezone.utc).date()
        self.write_off_limit = write_off_limit  # None: any adjustment by one finance user

    def import_statement(self, text: str, user: str) -> tuple[Statement, bool]:
        """The statement and whether it is new (False: this very file was imported before)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        known = self.session.scalar(select(Statement).where(Statement.sha256 == digest))
        if known is not None:
            return known, False
        lines = read_statement(text, account=self.account)
        if not lines:
            raise ValidationFailed("the statement has no lines")
        self._refuse_known_receipts(sorted({line.receipt for line in lines}))
        first_day, last_day = min(line.completed_at for line in lines).date(), max(line.completed_at for line in lines).date()
        period_close.refuse_overlap(self.session, first_day, f"the statement ({first_day} to {last_day})")
        result = reconcile(lines, self._expected(last_day), self.currency, self._transfers(), last_day)
        closing = max(lines, key=lambda line: (line.completed_at, line.line)).balance
        statement = Statement(
            id=unused_id(self.session, Statement, "S-"), sha256=digest, account=self.account,
            currency=self.currency, first_day=first_day, last_day=last_day,
            closing_balance=closing, status="OPEN", imported_by=user, imported_at=datetime.now(timezone.utc))
        self.session.add(statement)
        self.session.flush()
        rows = [_line_row(statement.id, position, result) for position, result in enumerate(result.lines)]
        rows += [_missing_row(statement.id, len(rows) + n, "payment", payment.rail_reference, payment.amount,
                              disbursement_id=payment.disbursement_id)
                 for n, payment in enumerate(result.missing)]
        rows += [_missing_row(statement.id, len(rows) + n, transfer.category, transfer.reference, transfer.amount,
                              transfer_reference=transfer.reference, expected_day=transfer.day)
                 for n, transfer in enumerate(result.missing_transfers)]
        self.session.execute(insert(StatementItem.__table__), rows)  # Core executemany: one statement
        append_once(self.session, self.ledger, [
            (f"fee:{digest[:20]}:{position}", self._fee(statement.id, outcome.line))
            for position, outcome in enumerate(result.lines) if outcome.outcome is Outcome.FEE])
        return statement, True

    def _refuse_known_receipts(self, receipts: list[str]) -> None:
        for start in range(0, len(receipts), CHUNK):
            clash = self.session.execute(select(StatementItem.receipt, StatementItem.statement_id).where(
                StatementItem.receipt.in_(receipts[start:start + CHUNK])).limit(1)).first()
            if clash is not None:
                raise Conflict(f"receipt {clash.receipt} was already imported with statement {clash.statement_id}; "
                               "a statement must not repeat another one's lines")

    def _expected(self, last_day: date):
        """Payments made up to the statement's last day that no earlier statement showed."""
        shown = select(StatementItem.disbursement_id).where(
            StatementItem.outcome.in_([outcome.value for outcome in ACCOUNTED]),
            StatementItem.disbursement_id.is_not(None))
        paid = self.session.scalars(select(Posting).where(
            Posting.status == "PAID", Posting.currency == self.currency, Posting.rail_reference.is_not(None),
            Posting.day <= last_day, Posting.disbursement_id.not_in(shown)).order_by(Posting.posted_at)).all()
        return expected_from_postings(paid)

    def _transfers(self) -> list[ExpectedTransfer]:
        """The float's top-ups and returns the ledger recorded that no statement showed."""
        shown = select(StatementItem.transfer_reference).where(
            StatementItem.transfer_reference.is_not(None),
            StatementItem.outcome.in_([outcome.value for outcome in TRANSFER_SHOWN]))
        return [ExpectedTransfer(entry.kind, entry.reference, entry.amount, entry.day)
                for entry in self.session.scalars(select(TreasuryEntry).where(
                    TreasuryEntry.kind.in_(TRANSFER_CATEGORY), TreasuryEntry.currency == self.currency,
                    TreasuryEntry.reference.not_in(shown)).order_by(TreasuryEntry.posted_at))]

    def _fee(self, statement_id: str, line) -> Transaction:
        meta = {"entry": "fee", "rail-receipt": line.receipt, "statement": statement_id}
        if line.reference:
            meta["rail-reference"] = line.reference
        return Transaction(line.completed_at.date(), fee_narration(line), (
            Leg(chart.FEES, line.withdrawn, self.currency), Leg(self.account, -line.withdrawn, self.currency)),
            meta, (f"recon-{statement_id}",))

    def _open_statement(self, statement_id: str) -> Statement:
        statement = self.session.get(Statement, statement_id, with_for_update=True)
        if statement is None:
            raise NotFound(f"no statement {statement_id}")
        if statement.status != "OPEN":
            raise Conflict(f"statement {statement_id} is signed off; nothing in it changes")
        return statement

    def resolve(self, statement_id: str, item_id: int, resolution: Resolution, user: str) -> StatementItem:
        statement = self._open_statement(statement_id)
        item = self.session.get(StatementItem, item_id, with_for_update=True)
        if item is None or item.statement_id != statement_id:
            raise NotFound(f"statement {statement_id} has no item {item_id}")
        if item.outcome not in EXCEPTIONS:
            raise Conflict(f"item {item_id} is {item.outcome}: there is nothing to resolve")
        if item.resolution is not None:
            raise Conflict(f"item {item_id} was already resolved ({item.resolution}) by {item.resolved_by}")
        if self.session.get(WriteOff, item_id) is not None:
            raise Conflict(f"item {item_id} has a write-off awaiting another finance user's approval")
        if resolution.action == "ADJUST":
            self._check_adjustment(item, resolution.account)
            if self.write_off_limit is not None and abs(float_difference(item)) > self.write_off_limit:
                self.session.add(WriteOff(item_id=item.id, account=resolution.account, reason=resolution.reason,
                                          proposed_by=user, proposed_at=datetime.now(timezone.utc)))
                self.session.flush()
                return item
            self._adjust(statement, item, resolution.account)
        elif resolution.action == "REVERSE_PAYMENT":
            self._reverse_payment(item, resolution.reason, user, _day(statement, item))
        return _resolved(item, resolution, user)

    def approve_write_off(self, statement_id: str, item_id: int, user: str) -> StatementItem:
        """Another finance user than its proposer approves a write-off: it is appended."""
        statement = self._open_statement(statement_id)
        proposal = self.session.get(WriteOff, item_id, with_for_update=True)
        item = self.session.get(StatementItem, item_id, with_for_update=True)
        if proposal is None or item.statement_id != statement_id or item.resolution is not None:
            raise NotFound(f"statement {statement_id} has no write-off awaiting approval on item {item_id}")
        if proposal.proposed_by == user:
            raise SegregationOfDuties("a write-off above the limit is approved by another finance user "
                                      "than the one who proposed it")
        self._check_adjustment(item, proposal.account)
        self._adjust(statement, item, proposal.account)
        proposal.approved_by, proposal.approved_at = user, datetime.now(timezone.utc)
        return _resolved(item, Resolution("ADJUST", proposal.reason, proposal.account), proposal.proposed_by)

    def _check_adjustment(self, item: StatementItem, account: str | None) -> None:
        if item.outcome == Outcome.DATE_MISMATCH:
            raise ValidationFailed(f"item {item.id} is a transfer the rail made on another day than the ledger's: "
                                   "an adjustment would count it twice; ACCEPT it, or move it to the rail's day "
                                   "with a journal entry")
        if not account:
            raise ValidationFailed("ADJUST needs the account that takes the difference")
        if account == self.account:
            raise ValidationFailed("the difference cannot go to the float itself")
        if self.session.get(OpenAccount, account) is None:
            raise ValidationFailed(f"unknown account {account}: it is not open in the ledger")
        refuse_closed(self.session, [account])
        if float_difference(item) == 0:
            raise ValidationFailed(f"item {item.id} makes no difference on the float; ACCEPT it instead")

    def _adjust(self, statement: Statement, item: StatementItem, account: str) -> None:
        difference = float_difference(item)
        meta = {"entry": "adjustment", "statement": statement.id, "outcome": item.outcome}
        if item.receipt:
            meta["rail-receipt"] = item.receipt
        if item.disbursement_id:
            meta["disbursement-id"] = item.disbursement_id
        adjustment = Transaction(_day(statement, item), f"Reconciliation adjustment: {item.outcome.lower().replace('_', ' ')}", (
            Leg(self.account, difference, self.currency), Leg(account, -difference, self.currency)),
            meta, (f"recon-{statement.id}",))
        append_once(self.session, self.ledger, [(f"adjustment:{statement.sha256[:20]}:{item.position}", adjustment)])

    def _reverse_payment(self, item: StatementItem, reason: str, user: str, day: date) -> None:
        if item.outcome not in (Outcome.REVERSAL, Outcome.MISSING_FROM_STATEMENT) or not item.disbursement_id:
            raise ValidationFailed("REVERSE_PAYMENT is for a reversal of a known payment, or a payment "
                                   "missing from the statement")
        posting = self.session.scalar(select(Posting).where(Posting.disbursement_id == item.disbursement_id))
        if float_difference(item) != posting.amount:
            raise ValidationFailed(f"the statement gave back {float_difference(item)}, the payment was "
                                   f"{posting.amount}: ADJUST the difference instead")
        digest = corrections.payment_hash(self.ledger.files.directory, item.disbursement_id)
        if self.session.get(Correction, digest) is None:  # else already reversed: the resolution records it
            corrections.reverse(self.session, self.ledger, digest, reason, user, day, self.emit)

    def sign_off(self, statement_id: str, user: str) -> Statement:
        statement = self._open_statement(statement_id)
        if statement.imported_by == user:
            raise SegregationOfDuties("a statement is signed off by another finance user than its importer")
        open_items = self.session.scalars(select(StatementItem.id).where(
            StatementItem.statement_id == statement_id, StatementItem.outcome.in_([o.value for o in EXCEPTIONS]),
            StatementItem.resolution.is_(None))).all()
        if open_items:
            raise OpenExceptions(f"{len(open_items)} exception(s) still open: items {', '.join(map(str, open_items))}")
        period_close.refuse_overlap(self.session, statement.first_day, f"statement {statement_id}")
        if statement.last_day >= self.today:
            raise Conflict(f"{statement.last_day} is not over yet: statement {statement_id} is signed off "
                           f"from {statement.last_day + timedelta(days=1)}")
        after = statement.last_day + timedelta(days=1)
        ledger_balance = balance_before(self.ledger.files.directory, self.account, self.currency, after)
        if ledger_balance != statement.closing_balance:
            raise BalanceMismatch(
                f"the ledger's float is {ledger_balance} {self.currency} at the end of {statement.last_day}, the "
                f"statement closes at {statement.closing_balance}: resolve the difference with an adjustment")
        assert_once(self.session, self.ledger, Balance(after, self.account, statement.closing_balance, self.currency))
        period_close.close(self.session, statement.last_day, statement.id, user, self.today)
        statement.status, statement.signed_off_by = "SIGNED_OFF", user
        statement.signed_off_at = datetime.now(timezone.utc)
        return statement


def _day(statement: Statement, item: StatementItem) -> date:
    """The date of an item's entry: its line's, or the statement's last day for a payment it lacks."""
    return item.completed_at.date() if item.completed_at else statement.last_day


def _resolved(item: StatementItem, resolution: Resolution, user: str) -> StatementItem:
    item.resolution, item.resolution_account = resolution.action, resolution.account
    item.resolution_reason, item.resolved_by = resolution.reason, user
    item.resolved_at = datetime.now(timezone.utc)
    return item


def _line_row(statement_id: str, position: int, result: LineResult) -> dict:
    line = result.line
    return dict(statement_id=statement_id, position=position, receipt=line.receipt, completed_at=line.completed_at,
                category=result.category, reference=line.reference, paid_in=line.paid_in, withdrawn=line.withdrawn,
                outcome=result.outcome.value, disbursement_id=result.disbursement_id,
                expected_amount=result.expected_amount, duplicate_of=result.duplicate_of,
                transfer_reference=result.transfer.reference if result.transfer else None,
                expected_day=result.expected_day)


def _missing_row(statement_id: str, position: int, category: str, reference: str, amount: Decimal,
                 disbursement_id: str | None = None, transfer_reference: str | None = None,
                 expected_day: date | None = None) -> dict:
    """A payment or transfer in the ledger that no line of the statement shows."""
    return dict(statement_id=statement_id, position=position, receipt=None, completed_at=None, category=category,
                reference=reference, paid_in=Decimal(0), withdrawn=Decimal(0),
                outcome=Outcome.MISSING_FROM_STATEMENT.value, disbursement_id=disbursement_id,
                expected_amount=amount, duplicate_of=None, transfer_reference=transfer_reference,
                expected_day=expected_day)


def describe(session: Session, statement: Statement, outcome: str | None = None) -> dict:
    """A statement with its outcome counts, open exceptions and (optionally one outcome's) items."""
    items = session.scalars(select(StatementItem).where(StatementItem.statement_id == statement.id)
                            .order_by(StatementItem.position)).all()
    counts = {str(o): 0 for o in Outcome}
    for item in items:
        counts[item.outcome] += 1
    proposals = {w.item_id: w for w in session.scalars(select(WriteOff).where(
        WriteOff.item_id.in_([item.id for item in items])))}
    open_items = [item for item in items if item.outcome in EXCEPTIONS and item.resolution is None]
    shown = [item for item in items if item.outcome == outcome] if outcome else \
        [item for item in items if item.outcome in EXCEPTIONS]
    return {"id": statement.id, "account": statement.account, "currency": statement.currency,
            "first_day": statement.first_day.isoformat(), "last_day": statement.last_day.isoformat(),
            "closing_balance": str(statement.closing_balance), "status": statement.status,
            "imported_by": statement.imported_by, "imported_at": statement.imported_at.isoformat(),
            "signed_off_by": statement.signed_off_by,
            "signed_off_at": statement.signed_off_at.isoformat() if statement.signed_off_at else None,
            "counts": counts, "open_exceptions": len(open_items),
            "items": [item_view(i, proposals.get(i.id)) for i in shown]}


def item_view(item: StatementItem, write_off: WriteOff | None = None) -> dict:
    return {"id": item.id, "receipt": item.receipt, "outcome": item.outcome,
            "completed_at": item.completed_at.isoformat() if item.completed_at else None,
            "category": item.category, "reference": item.reference, "paid_in": str(item.paid_in),
            "withdrawn": str(item.withdrawn), "disbursement_id": item.disbursement_id,
            "expected_amount": None if item.expected_amount is None else str(item.expected_amount),
            "duplicate_of": item.duplicate_of, "transfer_reference": item.transfer_reference,
            "expected_day": item.expected_day.isoformat() if item.expected_day else None,
            "difference": str(float_difference(item)),
            "resolution": item.resolution, "resolution_account": item.resolution_account,
            "resolution_reason": item.resolution_reason, "resolved_by": item.resolved_by,
            "write_off": None if write_off is None else {
                "account": write_off.account, "proposed_by": write_off.proposed_by,
                "approved_by": write_off.approved_by}}


LINE_COLUMNS = ("position", "receipt", "completed_at", "category", "reference", "paid_in", "withdrawn", "outcome",
                "disbursement_id", "expected_amount", "expected_day", "duplicate_of", "transfer_reference", "resolution",
                "resolution_account", "resolved_by")


def lines_csv(session: Session, statement: Statement) -> str:
    """Every line of a statement with its category, outcome and resolution, for a spreadsheet.
    Not finance's free-text reasons (the rail's Details are never kept at all)."""
    items = session.scalars(select(StatementItem).where(StatementItem.statement_id == statement.id)
                            .order_by(StatementItem.position))
    return csv_text([LINE_COLUMNS, *([getattr(item, column) for column in LINE_COLUMNS] for item in items)])

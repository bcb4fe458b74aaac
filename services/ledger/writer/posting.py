"""Posting disbursements: the payable, then the rail's answer (payment or reversal). The
provider answers later: its payable is left PENDING with a payment order for the adapter
(services/ledger/payments), which posts the answer through `answer`.

Idempotent by key with a request hash: the same key and content returns the first
result and writes nothing; the same key with other content is refused, and so is a
disbursement id already posted under another key.
"""
import hashlib
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.files import LedgerFiles
from services.ledger.book.data import Balance, Leg, Open, Transaction
from services.ledger.book.integrity import Anchor, Checkpoint
from services.ledger.book.text import GENESIS
from services.ledger.models import (AccountBalance, AccountDay, ChainHead, ClosedAccount, FundingPosting,
                                    KnownProgramme, OpenAccount, PaymentOrder, Posting, Statement)
from services.ledger.payments.orders import new_order
from services.ledger.rail import RailResult, SimulatedRail
from services.ledger.schemas import RecordFunding
from services.ledger.writer import period_close
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested
from shared.errors import AccountClosed, BalanceAsserted, IdempotencyConflict, UnknownProgramme, ValidationFailed


PENDING = "PENDING"  # the payable is posted, the provider's answer is not
POSTINGS, ORDERS = Posting.__table__, PaymentOrder.__table__


class IndexRow(NamedTuple):
    """A posting's row in the index as a batch inserts it: what its answer is made of,
    without an ORM object per posting (the batch's rows go in one Core statement)."""
    idempotency_key: str
    request_hash: str
    disbursement_id: str
    participant_id: str
    programme: str
    amount: Decimal
    currency: str
    cycle: str | None
    posted_at: datetime
    status: str
    rail_reference: str | None
    failure_reason: str | None
    day: date | None


@dataclass(frozen=True)
class Outcome:
    posting: Posting | IndexRow  # the row found (a replay) or the one inserted
    replayed: bool


CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))  # one encoder, not one per call


def request_hash(command) -> str:
    return hashlib.sha256(CANONICAL.encode(command.model_dump(mode="json")).encode()).hexdigest()


def chain_head(session: Session, chain: int) -> ChainHead:
    head = session.get(ChainHead, chain, with_for_update=True)
    if head is None:
        head = ChainHead(id=chain, head_hash=GENESIS, entries=0)
        session.add(head)
    return head


def index_checkpoint(session: Session) -> Checkpoint:
    """The chain heads the index holds: what the writer committed."""
    rows = {row.id: row for row in session.scalars(select(ChainHead))}
    anchors = {chain: Anchor(rows[chain].entries, rows[chain].head_hash) if chain in rows else Anchor(0, GENESIS)
               for chain in (ChainHead.JOURNAL, ChainHead.CHART)}
    return Checkpoint(anchors[ChainHead.JOURNAL], anchors[ChainHead.CHART])


def ensure_open(session: Session, files: LedgerFiles, account: str) -> None:
    """Open an account once: its `open` directive is chained in the chart of accounts."""
    if session.get(OpenAccount, account) is None:
        head = chain_head(session, ChainHead.CHART)
        head.head_hash = files.append(Open(files.opened_on, account), head.head_hash)
        head.entries += 1
        session.add(OpenAccount(account=account))
        session.flush()


def _meta(command: DisbursementRequested) -> dict:
    meta = {"idempotency-key": command.idempotency_key, "disbursement-id": command.disbursement_id,
            "participant": command.participant_id, "programme": command.programme}
    return {**meta, "cycle": command.cycle} if command.cycle else meta


def _links(command: DisbursementRequested) -> tuple[str, ...]:
    return f"disb-{command.disbursement_id}", f"{command.kind.lower()}-{command.reference}"


def answer_transaction(command: DisbursementRequested, day: date, rail: str, result: RailResult) -> Transaction:
    """The rail's answer to a payable: the payment from the float, or the reversal to the expense."""
    payable, amount, currency = chart.PAYABLE[command.kind], command.amount, command.currency
    if result.confirmed:
        return Transaction(day, f"{command.kind.title()} paid by {rail}", (
            Leg(payable, amount, currency), Leg(chart.rail_float(rail), -amount, currency)),
            {**_meta(command), "entry": "payment", "rail-reference": result.reference}, _links(command))
    return Transaction(day, f"{command.kind.title()} payment failed: reversal", (
        Leg(payable, amount, currency), Leg(chart.expense(command.kind, command.programme), -amount, currency)),
        {**_meta(command), "entry": "reversal", "reason": result.reason}, _links(command))


def answered(answer: Transaction | None) -> dict:
    """The index row's fields for a payable's answer (None: not answered yet)."""
    if answer is None:
        return dict(status=PENDING, rail_reference=None, failure_reason=None, day=None)
    return dict(status="PAID" if answer.meta["entry"] == "payment" else "FAILED",
                rail_reference=answer.meta.get("rail-reference"), failure_reason=answer.meta.get("reason"),
                day=answer.day)


def result_event(posting: Posting, repeat: bool = False):
    """What the ledger answers livelihoods about a disbursement: paid, or not paid (refused
    by the rail, or paid and then reversed); `repeat` when it was answered before."""
    if posting.status == "PAID":
        return DisbursementCompleted(disbursement_id=posting.disbursement_id,
                                     idempotency_key=posting.idempotency_key,
                                     rail_reference=posting.rail_reference,
                                     amount=posting.amount, currency=posting.currency, repeat=repeat)
    return DisbursementFailed(disbursement_id=posting.disbursement_id,
                              idempotency_key=posting.idempotency_key, reason=posting.failure_reason,
                              repeat=repeat)


class LedgerWriter:
    """One writer's view: the files, the rail and the chain head in the index. The chain
    head, balance rows and open accounts it has read are kept for its session, so a batch
    reads each once. What appends change in the index (the chain head, the balances) is
    summed in plain values and put on those rows after each append, or once for a `grouped`
    block: an ORM attribute set per leg was a tenth of a posting's time."""

    def __init__(self, session: Session, files: LedgerFiles, rail: SimulatedRail):
        self.session = session
        self.files = files
        self.rail = rail
        self._orders: list[dict] = []  # payment orders of payables the rail answers later
        self._chain: ChainHead | None = None
        self._balances: dict[tuple[str, str], AccountBalance] = {}
        self._days: dict[tuple[str, str, date], AccountDay] = {}
        self._open: set[str] = set()
        self._grouping = False
        self._sealed: tuple[str, int] | None = None  # the chain's head hash and entries added, not yet on its row
        self._added: defaultdict[tuple, Decimal] = defaultdict(Decimal)  # (account, currency[, day]): amount

    @cached_property
    def closed_through(self) -> date | None:
        return period_close.closed_through(self.session)

    @cached_property
    def closed_accounts(self) -> dict[str, date]:
        return dict(self.session.execute(select(ClosedAccount.account, ClosedAccount.closed_on)).all())

    @cached_property
    def asserted(self) -> dict[str, date]:
        """The day of each account's latest balance assertion: a sign-off's, for the day
        after its statement's last day."""
        rows = self.session.execute(select(Statement.account, func.max(Statement.last_day)).where(
            Statement.status == "SIGNED_OFF").group_by(Statement.account))
        return {account: last + timedelta(days=1) for account, last in rows}

    def refuse(self, txn: Transaction) -> None:
        """Nothing is posted to a closed account, nor dated before a balance a sign-off
        asserted on the account (after a re-opening, the assertion stays in the files)."""
        for leg in txn.legs:
            if (closed := self.closed_accounts.get(leg.account)) is not None:
                raise AccountClosed(f"account {leg.account} was closed on {closed}: nothing is posted to it")
            asserted = self.asserted.get(leg.account)
            if asserted is not None and txn.day < asserted:
                raise BalanceAsserted(
                    f"{leg.account} was signed off with a balance assertion for the start of {asserted}; an "
                    f"entry dated {txn.day} would break it, re-opened or not: date it on or after {asserted}")

    def _head(self) -> ChainHead:
        if self._chain is None:
            self._chain = chain_head(self.session, ChainHead.JOURNAL)
        return self._chain

    def catch_up(self, head_hash: str, found: list[Transaction | Balance]) -> None:
        """Record in the index entries found in the files (start-up recovery)."""
        head = self._head()
        head.head_hash, head.entries = head_hash, head.entries + len(found)
        for entry in found:
            if isinstance(entry, Transaction):
                self._add_to_balances(entry)
        self._put_sums()

    @contextmanager
    def grouped(self):
        """Appends inside are written together (one write and one fsync per file, as
        `LedgerFiles.grouped`), and their sums put on the index's rows once, at the end."""
        self._grouping = True
        try:
            with self.files.grouped():
                yield self
        finally:
            self._grouping = False
            self._put_sums()

    def append(self, txn: Transaction) -> Transaction:
        """Append a transaction; returns it as written (on the first open day, keeping its
        own date as metadata, when it is dated inside the closed period); refused, with
        nothing written, when `refuse` says so."""
        txn = period_close.in_open_period(txn, self.closed_through)
        self.refuse(txn)
        for leg in txn.legs:
            if leg.account not in self._open:
                ensure_open(self.session, self.files, leg.account)
                self._open.add(leg.account)
        self._seal(txn)
        self._add_to_balances(txn)
        if not self._grouping:
            self._put_sums()
        return txn

    def assert_balance(self, assertion: Balance) -> None:
        """A Beancount `balance` assertion: from now on the loader checks the account held
        exactly that amount at the start of the day."""
        self._seal(assertion)
        if not self._grouping:
            self._put_sums()

    def _seal(self, entry: Transaction | Balance) -> None:
        head_hash, added = self._sealed or (self._head().head_hash, 0)
        self._sealed = self.files.append(entry, head_hash), added + 1

    def _add_to_balances(self, txn: Transaction) -> None:
        for leg in txn.legs:
            self._added[leg.account, leg.currency] += leg.amount
            self._added[leg.account, leg.currency, txn.day] += leg.amount

    def _put_sums(self) -> None:
        if self._sealed is not None:
            head = self._head()
            head.head_hash, head.entries = self._sealed[0], head.entries + self._sealed[1]
            self._sealed = None
        for key, amount in self._added.items():
            if len(key) == 2:
                self._balance_row(*key).balance += amount
            else:
                self._day_row(*key).amount += amount
        self._added.clear()

    def _balance_row(self, account: str, currency: str) -> AccountBalance:
        key = (account, currency)
        if (row := self._balances.get(key)) is None:
            row = self.session.get(AccountBalance, key, with_for_update=True)
            if row is None:
                row = AccountBalance(account=account, currency=currency, balance=Decimal(0))
                self.session.add(row)
            self._balances[key] = row
        return row

    def _day_row(self, account: str, currency: str, day: date) -> AccountDay:
        key = (account, currency, day)
        if (row := self._days.get(key)) is None:
            row = self.session.get(AccountDay, key, with_for_update=True)
            if row is None:
                row = AccountDay(account=account, currency=currency, day=day, amount=Decimal(0))
                self.session.add(row)
            self._days[key] = row
        return row

    def post_disbursement(self, command: DisbursementRequested, today: date | None = None) -> Outcome:
        [result] = self.post_disbursements([command], today)
        if isinstance(result, IdempotencyConflict):
            raise result
        return result

    def post_disbursements(self, commands: list[DisbursementRequested],
                           today: date | None = None) -> list[Outcome | IdempotencyConflict]:
        """Post commands in order, their transactions written together (one write and one
        fsync per file) when all are posted. Each result is the command's outcome or the
        conflict refusing it; a refused command writes nothing, so it fails only itself."""
        day = today or datetime.now(timezone.utc).date()
        keys, ids = {c.idempotency_key for c in commands}, {c.disbursement_id for c in commands}
        known = self.session.scalars(select(Posting).where(
            or_(Posting.idempotency_key.in_(keys), Posting.disbursement_id.in_(ids))).with_for_update()).all()
        by_key = {p.idempotency_key: p for p in known}
        by_id = {p.disbursement_id: p for p in known}
        results, rows = [], []
        with self.grouped():
            for command in commands:
                try:
                    results.append(self._post(command, day, by_key, by_id, rows))
                except IdempotencyConflict as refused:
                    results.append(refused)
        if rows:
            self.session.execute(insert(POSTINGS), rows)
        self._insert_orders()
        return results

    def _insert_orders(self) -> None:
        if self._orders:
            self.session.execute(insert(ORDERS), self._orders)
            self._orders.clear()

    def _post(self, command: DisbursementRequested, day: date, by_key: dict, by_id: dict, rows: list) -> Outcome:
        existing = by_key.get(command.idempotency_key)
        if existing is not None:
            if existing.request_hash != request_hash(command):
                raise IdempotencyConflict(
                    f"idempotency key {command.idempotency_key} was used for a different request")
            return Outcome(existing, replayed=True)
        if command.disbursement_id in by_id:
            raise IdempotencyConflict(
                f"disbursement {command.disbursement_id} was posted under another idempotency key")
        self.append(Transaction(day, f"{command.kind.title()} payable", (
            Leg(chart.expense(command.kind, command.programme), command.amount, command.currency),
            Leg(chart.PAYABLE[command.kind], -command.amount, command.currency)),
            {**_meta(command), "entry": "payable"}, _links(command)))
        rows.append(self._settle(command, day))
        posting = IndexRow(**rows[-1])
        by_key[posting.idempotency_key] = by_id[posting.disbursement_id] = posting
        return Outcome(posting, replayed=False)

    def settle(self, command: DisbursementRequested, day: date, answer: Transaction | None = None) -> Posting:
        """After the payable: the rail's answer, as a payment or a reversal, and the index
        row. With `answer` (found in the files by recovery) the rail is not asked again."""
        posting = Posting(**self._settle(command, day, answer))
        self.session.add(posting)
        self._insert_orders()
        return posting

    def _settle(self, command: DisbursementRequested, day: date, answer: Transaction | None = None) -> dict:
        if answer is None:
            result = self.rail.pay(command.idempotency_key, command.participant_id, command.amount, command.currency)
            if result is None:
                self._orders.append(new_order(command, self.rail.name))
            else:
                answer = self.append(answer_transaction(command, day, self.rail.name, result))
        return dict(
            idempotency_key=command.idempotency_key, request_hash=request_hash(command),
            disbursement_id=command.disbursement_id, participant_id=command.participant_id,
            programme=command.programme, amount=command.amount, currency=command.currency,
            cycle=command.cycle, posted_at=datetime.now(timezone.utc), **answered(answer))

    def answer(self, posting: IndexRow, command: DisbursementRequested, result: RailResult, day: date) -> IndexRow:
        """The answer to a PENDING payable, received later (the payment adapter): the payment
        or the reversal appended; the index row as it becomes (the caller updates a batch's
        rows in one statement)."""
        return posting._replace(**answered(self.append(answer_transaction(command, day, self.rail.name, result))))

    @staticmethod
    def record_answer(posting: Posting, answer: Transaction) -> None:
        for name, value in answered(answer).items():
            setattr(posting, name, value)

    def post_funding(self, command: RecordFunding, today: date | None = None) -> tuple[FundingPosting, bool]:
        """Donor money into the programme's donor bank account; idempotent by the bank
        reference with a request hash. Returns the posting and whether it is new."""
        programme = self.session.get(KnownProgramme, command.programme)
        if programme is None:
            raise UnknownProgramme(f"the ledger has no programme {command.programme}")
        if command.currency != programme.currency:
            raise ValidationFailed(f"{programme.code} is funded in {programme.currency}, not {command.currency}")
        if command.received_on > (today or datetime.now(timezone.utc).date()):
            raise ValidationFailed("received_on is in the future")
        digest = request_hash(command)
        existing = self.session.get(FundingPosting, command.reference, with_for_update=True)
        if existing is not None:
            if existing.request_hash != digest:
                raise IdempotencyConflict(f"funding reference {command.reference} was used for a different entry")
            return existing, False
        bank, income = chart.donor_accounts(programme.donor)
        self.append(Transaction(command.received_on, f"Funding received from {programme.donor}", (
            Leg(bank, command.amount, command.currency), Leg(income, -command.amount, command.currency)),
            {"funding-reference": command.reference, "programme": programme.code, "entry": "funding"},
            (f"funding-{command.reference.replace('/', '-')}",)))
        posting = FundingPosting(reference=command.reference, request_hash=digest, programme=programme.code,
                                 amount=command.amount, currency=command.currency,
                                 received_on=command.received_on, posted_at=datetime.now(timezone.utc))
        self.session.add(posting)
        return posting, True

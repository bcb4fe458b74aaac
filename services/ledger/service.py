"""Ledger service: the single writer of the Beancount ledger of record.

One process writes a ledger folder; another on the same folder waits as its standby
(writer_lock.py). Disbursement commands arrive on a queue with a single active consumer,
and postings are serialised by one lock in the process, so the files have one total order.
"""
import logging
from contextlib import contextmanager
from datetime import date

from eventlet.semaphore import Semaphore
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from shared.rpc import RpcProxy, rpc
from nameko.timer import timer
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.clock import LedgerClock
from services.ledger.finance_books import FinanceBooks
from services.ledger.reconciliation import workflow as reconciliation
from services.ledger.reports import from_index as reports
from services.ledger.writer import corrections
from services.ledger.book.files import LedgerFiles
from services.ledger.writer.group_commit import GroupCommitter, on_event_batch
from services.ledger.errors import LedgerTampered
from services.ledger.models import Base, KnownProgramme, Posting, Statement, WriteOff
from services.ledger.writer.posting import LedgerWriter, ensure_open
from services.ledger.payments.adapter import PaymentAdapter
from services.ledger.payments.rail import ProviderRail
from services.ledger.reconciliation.workflow import Reconciliation
from services.ledger.schemas import RecordFunding, ResolveItem, ReverseEntry
from services.ledger.writer_lock import WriterLock
from shared.config import database_url
from shared.contracts import FundingReceived
from shared.db import make_engine
from shared.errors import NotFound
from shared.handlers import on_event
from shared.request_context import RequestContext
from shared.store import Store
from shared.validation import parse

log = logging.getLogger(__name__)
PAYMENTS_TICK_SECONDS = 0.25


class SingleWriter(DependencyProvider):
    """Gives workers the files, the rail, the writer lock, the group committer and the
    payment adapter, built once from config. A batch holds at most the messages in flight, and nameko sets the
    queues' prefetch to the container's `max_workers`: `LEDGER.max_workers` sets it for
    the ledger's container alone."""

    def setup(self):
        settings = self.container.config["LEDGER"]
        self.writer_lock = WriterLock(settings["directory"])
        self.writer_lock.acquire()  # a standby waits here, before it touches the files or any queue
        try:
            self._open(settings)
        except BaseException:
            self.writer_lock.release()
            raise

    def _open(self, settings):
        self.files = LedgerFiles(settings["directory"], settings["title"], date.fromisoformat(settings["opened_on"]),
                                 settings["rail"]["currency"])
        self.files.ensure_created()
        self.rail = ProviderRail(settings["rail"]["name"])
        self.lock = Semaphore()
        self.engine = make_engine(database_url(self.container.config, "ledger"))
        self.committer = GroupCommitter(self.engine, self.files, self.rail, self.lock)
        self.payments = PaymentAdapter(self.container.config, self.engine, self.files, self.rail, self.writing)
        if settings.get("max_workers"):
            self.container.max_workers = settings["max_workers"]
            self.container._worker_pool.resize(settings["max_workers"])
        try:
            recovered = self.committer.recover()  # before any posting: files whole, index matching them
        except LedgerTampered as tampered:
            log.critical("the ledger writer refuses to start: %s", tampered)
            raise
        for line in recovered:
            log.warning("ledger recovery: %s", line)
        with Session(self.engine) as session, session.begin():
            for account in chart.configured(settings):
                ensure_open(session, self.files, account)

    @contextmanager
    def writing(self):
        """The writer's lock, with the index brought up to the files first when an earlier
        write failed after they changed (it is so again if this one fails that way)."""
        with self.lock:
            self.committer.catch_up()
            written = self.files.written
            try:
                yield
            except BaseException as fault:
                self.committer.failed(written, fault)
                raise

    def start(self):
        self.payments.start(self.container)

    def stop(self):
        self.payments.stop()
        self.engine.dispose()
        self.writer_lock.release()

    def kill(self):
        self.writer_lock.release()

    def get_dependency(self, worker_ctx):
        return self


class LedgerService(FinanceBooks):
    name = "ledger"
    db = Store(Base.metadata)
    single_writer = SingleWriter()
    config = Config()
    request_context = RequestContext()
    clock = LedgerClock()
    enrollment = RpcProxy("enrollment")

    @on_event_batch("livelihoods", "disbursement.requested", single_active_consumer=True)
    def on_disbursement_requested(self, bodies):
        """A batch of events posted with one fsync and one commit; a result per event, and
        its message is acked (or dead-lettered) only after that commit."""
        results = self.single_writer.committer.post(bodies)
        self.db.emitted += results.count(True)  # the answers are in the outbox: the relay is woken
        return results

    @timer(interval=PAYMENTS_TICK_SECONDS)
    def pay(self):
        """The payment adapter: send payables to the provider, ask about overdue ones, post
        the answers (services/ledger/payments)."""
        self.db.emitted += self.single_writer.payments.tick(self.enrollment)

    @on_event("livelihoods", "programme.created", single_active_consumer=True)
    def on_programme_created(self, body):
        def open_accounts(session, event):
            session.merge(KnownProgramme(code=event.programme, donor=event.donor, currency=event.currency))
            for account in chart.programme_accounts(event.programme, event.donor):
                ensure_open(session, self.single_writer.files, account)

        with self.single_writer.writing():
            self.db.apply_once(body, "ledger.programme_created", open_accounts)

    @rpc
    def post_funding(self, data):
        """Finance records donor funding received for a programme."""
        command = parse(RecordFunding, data)
        with self.single_writer.writing(), self.db.session.begin():
            posting, new = self._writer().post_funding(command)
            programme = self.db.session.get(KnownProgramme, posting.programme)
            if new:
                self.db.emit(FundingReceived(programme=posting.programme, donor=programme.donor,
                                             amount=posting.amount, currency=posting.currency,
                                             reference=posting.reference, received_on=posting.received_on))
            return {"reference": posting.reference, "programme": posting.programme, "amount": str(posting.amount),
                    "currency": posting.currency, "received_on": posting.received_on.isoformat(),
                    "donor": programme.donor}

    @rpc
    def trial_balance(self, as_csv=False, as_of=None):
        """Every account's balance, now or at the end of `as_of` (an ISO date)."""
        with self.db.session.begin():
            report = reports.trial_balance(self.db.session, date.fromisoformat(as_of) if as_of else None)
        return reports.as_csv(report["accounts"]) if as_csv else report

    @rpc
    def totals(self, by, as_csv=False, first=None, last=None):
        """Funding and disbursements by donor, programme, payment cycle or month, optionally
        from `first` to `last` (ISO dates)."""
        with self.db.session.begin():
            report = reports.totals(self.db.session, by, *(date.fromisoformat(d) if d else None for d in (first, last)))
        return reports.as_csv(report["rows"]) if as_csv else report

    @rpc
    def cycle_totals(self, cycle_id):
        """One payment cycle's count and amount by status (PAID, FAILED, REVERSED, HELD)."""
        with self.db.session.begin():
            return reports.cycle_totals(self.db.session, cycle_id)

    @rpc
    def programme_balance(self, programme):
        with self.db.session.begin():
            return reports.programme_balance(self.db.session, programme)

    @rpc
    def disbursement(self, disbursement_id):
        with self.db.session.begin():
            posting = self.db.session.scalar(select(Posting).where(Posting.disbursement_id == disbursement_id))
            if posting is None:
                raise NotFound(f"no ledger posting for disbursement {disbursement_id}")
            return {"disbursement_id": posting.disbursement_id, "idempotency_key": posting.idempotency_key,
                    "participant_id": posting.participant_id, "programme": posting.programme,
                    "amount": str(posting.amount), "currency": posting.currency, "status": posting.status,
                    "rail_reference": posting.rail_reference, "failure_reason": posting.failure_reason}

    def _writer(self) -> LedgerWriter:
        return LedgerWriter(self.db.session, self.single_writer.files, self.single_writer.rail)

    def _reconciliation(self) -> Reconciliation:
        """The reconciliation of the rail's float, appending through this worker's writer."""
        rail = self.config["LEDGER"]["rail"]
        return Reconciliation(self.db.session, self._writer(), rail["name"], rail["currency"], self.db.emit,
                              self.clock.today(), self.write_off_limit())

    @rpc
    def reverse_entry(self, data, user):
        """A correction: the reversing entry of one transaction, with the reason."""
        command = parse(ReverseEntry, data)
        with self.single_writer.writing(), self.db.session.begin():
            return corrections.reverse(self.db.session, self._writer(), command.hash, command.reason, user,
                                       self.clock.today(), self.db.emit)

    @rpc
    def import_statement(self, text, user):
        """Finance imports the rail's statement; the same file twice changes nothing."""
        with self.single_writer.writing(), self.db.session.begin():
            statement, new = self._reconciliation().import_statement(text, user)
            return {**reconciliation.describe(self.db.session, statement), "already_imported": not new}

    @rpc
    def list_statements(self):
        with self.db.session.begin():
            return [{"id": s.id, "first_day": s.first_day.isoformat(), "last_day": s.last_day.isoformat(),
                     "closing_balance": str(s.closing_balance), "currency": s.currency, "status": s.status}
                    for s in self.db.session.scalars(select(Statement).order_by(Statement.last_day.desc()))]

    @rpc
    def statement(self, statement_id, outcome=None):
        with self.db.session.begin():
            statement = self.db.session.get(Statement, statement_id)
            if statement is None:
                raise NotFound(f"no statement {statement_id}")
            return reconciliation.describe(self.db.session, statement, outcome)

    @rpc
    def resolve_item(self, statement_id, item_id, data, user):
        """Finance settles one exception: accept it, adjust the difference, or reverse the payment."""
        command = parse(ResolveItem, data)
        with self.single_writer.writing(), self.db.session.begin():
            item = self._reconciliation().resolve(statement_id, item_id, reconciliation.Resolution(
                command.action, command.reason, command.account), user)
            return reconciliation.item_view(item, self.db.session.get(WriteOff, item.id))

    @rpc
    def sign_off(self, statement_id, user):
        """Close the statement's period with a balance assertion; refused while anything is open."""
        with self.single_writer.writing(), self.db.session.begin():
            statement = self._reconciliation().sign_off(statement_id, user)
            return reconciliation.describe(self.db.session, statement)

"""Ledger service: the single writer of the Beancount ledger of record.

Disbursement commands arrive on a queue with a single active consumer, and postings
are serialised by one lock in the process, so the files have one total order.
"""
import logging
from datetime import date, datetime, timezone

from eventlet.semaphore import Semaphore
from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger import accounts, corrections, reconciliation, reports
from services.ledger.book import Book
from services.ledger.group_commit import GroupCommitter, on_event_batch
from services.ledger.models import Base, KnownProgramme, Posting, Statement
from services.ledger.posting import Ledger, ensure_open
from services.ledger.rail import SimulatedRail
from services.ledger.reconciliation import Reconciliation
from services.ledger.schemas import RecordFunding, ResolveItem, ReverseEntry
from shared.config import database_url
from shared.contracts import FundingReceived
from shared.db import make_engine
from shared.errors import NotFound
from shared.handlers import on_event
from shared.store import Store
from shared.validation import parse

log = logging.getLogger(__name__)


class BookKeeper(DependencyProvider):
    """Gives workers the book, the rail, the writer lock and the group committer, built
    once from config. A batch holds at most the messages in flight, and nameko sets the
    queues' prefetch to the container's `max_workers`: `LEDGER.max_workers` sets it for
    the ledger's container alone."""

    def setup(self):
        settings = self.container.config["LEDGER"]
        self.book = Book(settings["directory"], settings["title"], date.fromisoformat(settings["opened_on"]))
        self.book.ensure_created()
        self.rail = SimulatedRail(settings["rail"]["name"], settings["rail"].get("decline_participants"))
        self.lock = Semaphore()
        self.engine = make_engine(database_url(self.container.config, "ledger"))
        self.committer = GroupCommitter(self.engine, self.book, self.rail, self.lock)
        if settings.get("max_workers"):
            self.container.max_workers = settings["max_workers"]
            self.container._worker_pool.resize(settings["max_workers"])
        for line in self.committer.recover():  # before any posting: files whole, index matching them
            log.warning("ledger recovery: %s", line)
        with Session(self.engine) as session, session.begin():
            for account in accounts.configured(settings):
                ensure_open(session, self.book, account)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self


class LedgerService:
    name = "ledger"
    db = Store(Base.metadata)
    keeper = BookKeeper()
    config = Config()

    @on_event_batch("livelihoods", "disbursement.requested", single_active_consumer=True)
    def on_disbursement_requested(self, bodies):
        """A batch of events posted with one fsync and one commit; a result per event, and
        its message is acked (or dead-lettered) only after that commit."""
        results = self.keeper.committer.post(bodies)
        self.db.emitted += results.count(True)  # the answers are in the outbox: the relay is woken
        return results

    @on_event("livelihoods", "programme.created", single_active_consumer=True)
    def on_programme_created(self, body):
        def open_accounts(session, event):
            session.merge(KnownProgramme(code=event.programme, donor=event.donor, currency=event.currency))
            for account in [accounts.expense("GRANT", event.programme), *accounts.donor_accounts(event.donor)]:
                ensure_open(session, self.keeper.book, account)

        with self.keeper.lock:
            self.db.apply_once(body, "ledger.programme_created", open_accounts)

    @rpc
    def post_funding(self, data):
        """Finance records donor funding received for a programme."""
        command = parse(RecordFunding, data)
        with self.keeper.lock, self.db.session.begin():
            posting, new = Ledger(self.db.session, self.keeper.book, self.keeper.rail).post_funding(command)
            programme = self.db.session.get(KnownProgramme, posting.programme)
            if new:
                self.db.emit(FundingReceived(programme=posting.programme, donor=programme.donor,
                                             amount=posting.amount, currency=posting.currency,
                                             reference=posting.reference, received_on=posting.received_on))
            return {"reference": posting.reference, "programme": posting.programme, "amount": str(posting.amount),
                    "currency": posting.currency, "received_on": posting.received_on.isoformat(),
                    "donor": programme.donor}

    @rpc
    def trial_balance(self, as_csv=False):
        with self.db.session.begin():
            report = reports.trial_balance(self.db.session)
        return reports.as_csv(report["accounts"]) if as_csv else report

    @rpc
    def totals(self, by, as_csv=False):
        """Funding and disbursements by donor, programme, payment cycle or month."""
        with self.db.session.begin():
            report = reports.totals(self.db.session, by)
        return reports.as_csv(report["rows"]) if as_csv else report

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

    def _writer(self):
        """The ledger as one writer sees it, and the reconciliation of the rail's float."""
        ledger = Ledger(self.db.session, self.keeper.book, self.keeper.rail)
        rail = self.config["LEDGER"]["rail"]
        return ledger, Reconciliation(self.db.session, ledger, rail["name"], rail["currency"], self.db.emit)

    @rpc
    def reverse_entry(self, data, user):
        """A correction: the reversing entry of one transaction, with the reason."""
        command = parse(ReverseEntry, data)
        with self.keeper.lock, self.db.session.begin():
            ledger, _ = self._writer()
            return corrections.reverse(self.db.session, ledger, command.hash, command.reason, user,
                                       datetime.now(timezone.utc).date(), self.db.emit)

    @rpc
    def import_statement(self, text, user):
        """Finance imports the rail's statement; the same file twice changes nothing."""
        with self.keeper.lock, self.db.session.begin():
            statement, new = self._writer()[1].import_statement(text, user)
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
        with self.keeper.lock, self.db.session.begin():
            item = self._writer()[1].resolve(statement_id, item_id, reconciliation.Resolution(
                command.action, command.reason, command.account), user)
            return reconciliation.item_view(item)

    @rpc
    def sign_off(self, statement_id, user):
        """Close the statement's period with a balance assertion; refused while anything is open."""
        with self.keeper.lock, self.db.session.begin():
            statement = self._writer()[1].sign_off(statement_id, user)
            return reconciliation.describe(self.db.session, statement)

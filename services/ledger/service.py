"""Ledger service: the single writer of the Beancount ledger of record.

Disbursement commands arrive on a queue with a single active consumer, and postings
are serialised by one lock in the process, so the files have one total order.
"""
import logging
from datetime import date

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger import accounts, reports
from services.ledger.book import Book
from services.ledger.models import Base, KnownProgramme, Posting
from services.ledger.posting import Ledger, ensure_open, result_event
from services.ledger.rail import SimulatedRail
from services.ledger.recovery import recover
from services.ledger.schemas import RecordFunding
from shared.config import database_url
from shared.contracts import FundingReceived
from shared.db import make_engine
from shared.errors import NotFound
from shared.handlers import on_event
from shared.outbox import write_events
from shared.store import Store
from shared.validation import parse

log = logging.getLogger(__name__)


class BookKeeper(DependencyProvider):
    """Gives workers the book, the rail and the writer lock, built once from config."""

    def setup(self):
        settings = self.container.config["LEDGER"]
        self.book = Book(settings["directory"], settings["title"], date.fromisoformat(settings["opened_on"]))
        self.book.ensure_created()
        self.rail = SimulatedRail(settings["rail"]["name"], settings["rail"].get("decline_participants"))
        self.lock = Semaphore()
        self._recover()

    def _recover(self):
        """Before any posting: make the files whole and the index match them."""
        engine = make_engine(database_url(self.container.config, "ledger"))
        outbox = Base.metadata.tables["outbox"]
        try:
            with Session(engine) as session, session.begin():
                done = recover(session, Ledger(session, self.book, self.rail),
                               lambda *events: write_events(session.connection(), outbox, "ledger", events))
        finally:
            engine.dispose()
        for line in done:
            log.warning("ledger recovery: %s", line)

    def get_dependency(self, worker_ctx):
        return self


class LedgerService:
    name = "ledger"
    db = Store(Base.metadata)
    keeper = BookKeeper()

    @on_event("livelihoods", "disbursement.requested", single_active_consumer=True)
    def on_disbursement_requested(self, body):
        def post(session, command):
            outcome = Ledger(session, self.keeper.book, self.keeper.rail).post_disbursement(command)
            self.db.emit(result_event(outcome.posting))

        with self.keeper.lock:
            self.db.apply_once(body, "ledger.disbursement_requested", post)

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
        return reports.as_csv(report) if as_csv else report

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

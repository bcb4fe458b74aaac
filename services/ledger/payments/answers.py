"""The provider's answers posted to the ledger: for each HELD or RECEIVED order not yet
answered, the payment (SUCCESSFUL) or the reversal (FAILED, or held with its reason),
through the single writer: under its lock, one write and fsync and one commit for a batch,
with the index rows, the orders' `answered_at` and the answers to livelihoods in the outbox,
in chunks (`DisbursementsCompleted`, `DisbursementsFailed`): one message per 500 answers,
so neither the relay nor livelihoods pays per answer. A payable answered already (its index
row no longer PENDING) gets nothing twice."""
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import Base, PaymentOrder, Posting
from services.ledger.payments.orders import HELD, RECEIVED, SUCCESSFUL, command_of, now
from services.ledger.rail import RailResult
from services.ledger.writer.posting import PENDING, LedgerWriter, result_event
from shared.contracts import answers_in_chunks
from shared.outbox import write_events

OUTBOX = Base.metadata.tables["outbox"]
BATCH = 1000
DUE = (PaymentOrder.state.in_((HELD, RECEIVED)), PaymentOrder.answered_at.is_(None))
IN_ORDER = (PaymentOrder.state, PaymentOrder.idempotency_key)  # the partial index's order: only it is read


class Answers:
    def __init__(self, engine: Engine, files: LedgerFiles, rail, writing):
        self.engine, self.files, self.rail, self.writing = engine, files, rail, writing

    def round(self) -> int:
        """Post up to a batch of answers; how many events went to the outbox."""
        if not self._any_due():
            return 0
        with self.writing(), Session(self.engine) as session, session.begin():
            due = session.execute(select(PaymentOrder, Posting)
                                  .join(Posting, Posting.idempotency_key == PaymentOrder.idempotency_key)
                                  .where(*DUE).order_by(*IN_ORDER).limit(BATCH)
                                  .with_for_update()).all()
            writer, answers, day = LedgerWriter(session, self.files, self.rail), [], datetime.now(timezone.utc).date()
            with self.files.grouped():
                for order, posting in due:
                    if posting.status != PENDING:
                        continue
                    paid = order.state == RECEIVED and order.result == SUCCESSFUL
                    writer.answer(posting, command_of(posting, order),
                                  RailResult(paid, order.reference_id if paid else None, None if paid else order.reason),
                                  day)
                    answers.append(result_event(posting))
            session.execute(update(PaymentOrder).where(PaymentOrder.idempotency_key.in_(
                [order.idempotency_key for order, _ in due])).values(answered_at=now())
                .execution_options(synchronize_session=False))
            events = answers_in_chunks(answers)
            write_events(session.connection(), OUTBOX, "ledger", events)
        return len(events)

    def _any_due(self) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(select(PaymentOrder.idempotency_key).where(*DUE).order_by(*IN_ORDER).limit(1)) is not None

"""The provider's answers posted to the ledger: for each HELD or RECEIVED order not yet
answered, the payment (SUCCESSFUL) or the reversal (FAILED, or held with its reason),
through the single writer: under its lock, one write and fsync and one commit for a batch,
with the index row, the order's `answered_at` and the answer to livelihoods in the outbox.
A payable answered already (its index row no longer PENDING) gets nothing twice."""
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import Base, PaymentOrder, Posting
from services.ledger.payments.orders import HELD, RECEIVED, SUCCESSFUL, command_of, now
from services.ledger.rail import RailResult
from services.ledger.writer.posting import PENDING, LedgerWriter, result_event
from shared.outbox import write_events

OUTBOX = Base.metadata.tables["outbox"]
BATCH = 1000


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
                                  .where(PaymentOrder.state.in_((HELD, RECEIVED)), PaymentOrder.answered_at.is_(None))
                                  .order_by(PaymentOrder.idempotency_key).limit(BATCH).with_for_update()).all()
            writer, events, day = LedgerWriter(session, self.files, self.rail), [], datetime.now(timezone.utc).date()
            with self.files.grouped():
                for order, posting in due:
                    order.answered_at = now()
                    if posting.status != PENDING:
                        continue
                    paid = order.state == RECEIVED and order.result == SUCCESSFUL
                    writer.answer(posting, command_of(posting, order),
                                  RailResult(paid, order.reference_id if paid else None, None if paid else order.reason),
                                  day)
                    events.append(result_event(posting))
            write_events(session.connection(), OUTBOX, "ledger", events)
        return len(events)

    def _any_due(self) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(select(PaymentOrder.idempotency_key).where(
                PaymentOrder.state.in_((HELD, RECEIVED)), PaymentOrder.answered_at.is_(None)).limit(1)) is not None

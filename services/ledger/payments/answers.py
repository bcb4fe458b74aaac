"""The provider's answers posted to the ledger: for each HELD or RECEIVED order not yet
answered, the payment (SUCCESSFUL) or the reversal (FAILED, or held with its reason),
through the single writer: under its lock, one write and fsync and one commit for a batch,
with the index rows, the orders' `answered_at` and the answers to livelihoods in the outbox,
in chunks (`DisbursementsCompleted`, `DisbursementsFailed`): one message per 500 answers,
so neither the relay nor livelihoods pays per answer. A payable answered already (its index
row no longer PENDING) gets nothing twice."""
from datetime import datetime, timezone

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import Base, PaymentOrder, Posting
from services.ledger.payments.orders import HELD, RECEIVED, SUCCESSFUL, command_of, now
from services.ledger.rail import RailResult
from services.ledger.writer.posting import PENDING, IndexRow, LedgerWriter, result_event
from shared.contracts import answers_in_chunks
from shared.outbox import write_events

OUTBOX = Base.metadata.tables["outbox"]
POSTINGS, ORDERS = Posting.__table__, PaymentOrder.__table__
BATCH = 1000
DUE = (ORDERS.c.state.in_((HELD, RECEIVED)), ORDERS.c.answered_at.is_(None))
IN_ORDER = (ORDERS.c.state, ORDERS.c.idempotency_key)  # the partial index's order: only it is read
# Plain rows, not ORM objects (a quarter of the ledger's time went to loading and flushing
# them): the posting as the writer's `IndexRow`, then what the order adds to it.
DUE_ROWS = select(*(POSTINGS.c[name] for name in IndexRow._fields), ORDERS.c.kind, ORDERS.c.reference,
                  ORDERS.c.state, ORDERS.c.result, ORDERS.c.reason, ORDERS.c.reference_id).join(
    ORDERS, ORDERS.c.idempotency_key == POSTINGS.c.idempotency_key)
ANSWERED = update(POSTINGS).where(POSTINGS.c.idempotency_key == bindparam("key")).values(
    status=bindparam("new_status"), rail_reference=bindparam("new_rail_reference"),
    failure_reason=bindparam("new_failure_reason"), day=bindparam("new_day"))


class Answers:
    def __init__(self, engine: Engine, files: LedgerFiles, rail, writing):
        self.engine, self.files, self.rail, self.writing = engine, files, rail, writing

    def round(self) -> int:
        """Post up to a batch of answers; how many events went to the outbox."""
        if not self._any_due():
            return 0
        with self.writing(), Session(self.engine) as session, session.begin():
            conn = session.connection()
            due = conn.execute(DUE_ROWS.where(*DUE).order_by(*IN_ORDER).limit(BATCH).with_for_update()).all()
            writer, done, day = LedgerWriter(session, self.files, self.rail), [], datetime.now(timezone.utc).date()
            with writer.grouped():
                for row in due:
                    if row.status != PENDING:
                        continue
                    posting = IndexRow(*row[:len(IndexRow._fields)])
                    paid = row.state == RECEIVED and row.result == SUCCESSFUL
                    done.append(writer.answer(posting, command_of(posting, row),
                                              RailResult(paid, row.reference_id if paid else None,
                                                         None if paid else row.reason), day))
            if done:
                conn.execute(ANSWERED, [{"key": p.idempotency_key, "new_status": p.status,
                                         "new_rail_reference": p.rail_reference,
                                         "new_failure_reason": p.failure_reason, "new_day": p.day} for p in done])
            conn.execute(update(ORDERS).where(ORDERS.c.idempotency_key.in_([row.idempotency_key for row in due]))
                         .values(answered_at=now()))
            events = answers_in_chunks([result_event(posting) for posting in done])
            write_events(conn, OUTBOX, "ledger", events)
        return len(events)

    def _any_due(self) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(select(ORDERS.c.idempotency_key).where(*DUE).order_by(*IN_ORDER).limit(1)) is not None

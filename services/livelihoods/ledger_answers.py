"""The ledger's answers about disbursements: one outcome per disbursement, whatever arrives.

The inbox drops a redelivered event, but the same answer may come again under a new event
id, re-sent by the ledger and flagged as a `repeat`, or out of order. What the ledger does
is known: a refused payment stays refused; a paid one stays paid unless finance reverses it,
which the ledger answers with `disbursement.failed` after `disbursement.completed`. So an
answer changes a disbursement only when it is news:

- completed, while it is being paid: news;
- failed, while it is being paid: news; failed once paid, not a repeat: the payment was
  reversed, news (the entitlement can be paid again under a new attempt);
- anything else is a copy (the outcome is already recorded) or outdated (a completion after
  a failure or reversal, a repeat contradicting what is recorded): logged, nothing changes.

An answer for a disbursement livelihoods never requested under that key is kept once in
`stray_answers` and changes nothing.
"""
import logging
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from services.livelihoods import allowances, tranches
from services.livelihoods.models import AllowancePayment, Disbursement, StrayAnswer
from shared.contracts import DisbursementCompleted, DisbursementFailed

log = logging.getLogger(__name__)

AWAITING = "REQUESTED"
OWNERS = ((allowances.PREFIX, AllowancePayment, allowances), (tranches.PREFIX, Disbursement, tranches))


def is_news(status: str, event: DisbursementCompleted | DisbursementFailed) -> bool:
    if status == AWAITING:
        return True
    return isinstance(event, DisbursementFailed) and status == "PAID" and not event.repeat


def _receive(session: Session, event: DisbursementCompleted | DisbursementFailed, outcome: str) -> None:
    for prefix, model, owner in OWNERS:
        if event.disbursement_id.startswith(prefix):
            row = session.get(model, event.disbursement_id, with_for_update=True)
            if row is not None and row.idempotency_key == event.idempotency_key:
                if not is_news(row.status, event):
                    log.info("disbursement %s is %s: %s answer ignored%s", row.id, row.status, outcome,
                             " (flagged repeat)" if event.repeat else "")
                    return
                (owner.settled if outcome == "COMPLETED" else owner.failed)(session, row, event)
                return
    log.warning("answer %s for disbursement %s, unknown under that key: kept, nothing changed",
                outcome, event.disbursement_id)
    if session.get(StrayAnswer, (event.disbursement_id, event.idempotency_key, outcome)) is None:
        session.add(StrayAnswer(disbursement_id=event.disbursement_id, idempotency_key=event.idempotency_key,
                                outcome=outcome, received_at=datetime.now(timezone.utc)))


def completed(session: Session, event: DisbursementCompleted) -> None:
    _receive(session, event, "COMPLETED")


def failed(session: Session, event: DisbursementFailed) -> None:
    _receive(session, event, "FAILED")

"""The ledger's answers about disbursements: one outcome per disbursement, whatever arrives.

Answers come one to an event or in chunks (`DisbursementsCompleted`, `DisbursementsFailed`,
as the ledger posts the provider's results); a chunk is judged item by item, in its order,
in the transaction that records its event in the inbox. The rows a chunk names are read
(and locked) together, then the rule below is applied to each item.

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import allowances, tranches
from services.livelihoods.models import AllowancePayment, Disbursement, StrayAnswer
from shared.contracts import (DisbursementCompleted, DisbursementFailed, DisbursementsCompleted, DisbursementsFailed,
                              items_of)

log = logging.getLogger(__name__)

AWAITING = "REQUESTED"
OWNERS = ((allowances.PREFIX, AllowancePayment, allowances), (tranches.PREFIX, Disbursement, tranches))
ROWS_PER_READ = 500


def is_news(status: str, event: DisbursementCompleted | DisbursementFailed) -> bool:
    if status == AWAITING:
        return True
    return isinstance(event, DisbursementFailed) and status == "PAID" and not event.repeat


def _owner(disbursement_id: str):
    return next(((model, owner) for prefix, model, owner in OWNERS if disbursement_id.startswith(prefix)), (None, None))


def _rows(session: Session, answers: list) -> dict:
    """The disbursements the answers name, by id, read and locked a few hundred at a time."""
    ids: dict = {}
    for answer in answers:
        model, _ = _owner(answer.disbursement_id)
        if model is not None:
            ids.setdefault(model, set()).add(answer.disbursement_id)
    rows = {}
    for model, wanted in ids.items():
        wanted = sorted(wanted)
        for start in range(0, len(wanted), ROWS_PER_READ):
            rows.update((row.id, row) for row in session.scalars(select(model).where(
                model.id.in_(wanted[start:start + ROWS_PER_READ])).with_for_update()))
    return rows


def _receive(session: Session, answers: list, outcome: str) -> None:
    rows = _rows(session, answers)
    for event in answers:
        row = rows.get(event.disbursement_id)
        if row is not None and row.idempotency_key == event.idempotency_key:
            if not is_news(row.status, event):
                log.info("disbursement %s is %s: %s answer ignored%s", row.id, row.status, outcome,
                         " (flagged repeat)" if event.repeat else "")
                continue
            _, owner = _owner(row.id)
            (owner.settled if outcome == "COMPLETED" else owner.failed)(session, row, event)
            continue
        log.warning("answer %s for disbursement %s, unknown under that key: kept, nothing changed",
                    outcome, event.disbursement_id)
        if session.get(StrayAnswer, (event.disbursement_id, event.idempotency_key, outcome)) is None:
            session.add(StrayAnswer(disbursement_id=event.disbursement_id, idempotency_key=event.idempotency_key,
                                    outcome=outcome, received_at=datetime.now(timezone.utc)))


def completed(session: Session, event: DisbursementCompleted | DisbursementsCompleted) -> None:
    _receive(session, items_of(event), "COMPLETED")


def failed(session: Session, event: DisbursementFailed | DisbursementsFailed) -> None:
    _receive(session, items_of(event), "FAILED")

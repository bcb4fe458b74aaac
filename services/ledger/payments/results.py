"""The provider's results, from a callback, a status query or a batch's rejections, recorded
on the orders: a final result (SUCCESSFUL or FAILED) moves a QUEUED or SENT order to
RECEIVED once; the same result again, or one for an order already further, changes nothing."""
from collections import defaultdict

from sqlalchemy import update

from services.ledger.models import PaymentOrder
from services.ledger.payments.orders import FAILED, QUEUED, RECEIVED, SENT, SUCCESSFUL, now, short_reason

FINAL = (SUCCESSFUL, FAILED)
CHUNK = 1000


def record(conn, results: list[dict]) -> int:
    """Record the final results among `results` (provider result shapes); how many orders moved."""
    groups: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for result in results:
        if result.get("status") in FINAL:
            reason = None if result["status"] == SUCCESSFUL else short_reason(result.get("reason") or "FAILED")
            groups[(result["status"], reason)].append(result["reference_id"])
    moved = 0
    for (status, reason), references in groups.items():
        for start in range(0, len(references), CHUNK):
            moved += conn.execute(update(PaymentOrder).where(
                PaymentOrder.reference_id.in_(references[start:start + CHUNK]),
                PaymentOrder.state.in_((QUEUED, SENT))).values(state=RECEIVED, result=status, reason=reason)).rowcount
    return moved


def still_pending(conn, references: list[str]) -> None:
    """The provider has them and has not decided yet: SENT, and overdue again only later."""
    for start in range(0, len(references), CHUNK):
        conn.execute(update(PaymentOrder).where(PaymentOrder.reference_id.in_(references[start:start + CHUNK]),
                                                PaymentOrder.state.in_((QUEUED, SENT)))
                     .values(state=SENT, sent_at=now()))

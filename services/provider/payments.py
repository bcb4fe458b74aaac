"""Batches in, payment status out: the idempotency rules of the disbursement API.

* A batch key (`X-Reference-Id`) seen before with the same content gets the first answer
  again; with other content it is an `IdempotencyConflict` (409).
* A payment reference seen before (in any batch) with the same content is not paid again:
  it is acknowledged with `existing: true` and its current status, and no new callback is
  scheduled for it. With other content it is rejected, alone (`REFERENCE_CONFLICT`).
* A currency other than the float's is rejected, alone (`CURRENCY_NOT_SUPPORTED`).

Acceptance is serialised by one lock (one provider process); the primary keys hold the
same rules in the database."""
import json
import threading

from sqlalchemy import insert, select

from services.provider import bulk
from services.provider.models import Batch, Payment
from services.provider.parsing import BatchIn
from services.provider.units import text, utc
from shared.errors import IdempotencyConflict

ACCEPT_LOCK = threading.Lock()


def accept_batch(engine, settings, batch_key: str, batch: BatchIn, now: float) -> dict:
    """The 202 answer: one acceptance or rejection per payment, in the batch's order."""
    with ACCEPT_LOCK, engine.begin() as conn:
        known = conn.execute(select(Batch.request_hash, Batch.answer).where(Batch.batch_key == batch_key)).first()
        if known is not None:
            if known.request_hash != batch.request_hash:
                raise IdempotencyConflict(f"batch {batch_key} was sent before with other content")
            return json.loads(known.answer)
        references = [payment.reference_id for payment in batch.payments]
        earlier = {row.reference_id: row for row in conn.execute(
            select(Payment.reference_id, Payment.content_hash, Payment.status, Payment.batch_key)
            .where(Payment.reference_id.in_(references)))}
        received = utc(now)
        rows, results = [], []
        for payment in batch.payments:
            result = {"reference_id": payment.reference_id, "status": "ACCEPTED"}
            before = earlier.get(payment.reference_id)
            if before is not None and before.content_hash != payment.content_hash:
                result.update(status="REJECTED", error="REFERENCE_CONFLICT",
                              message="this reference was used before for another payment")
            elif before is not None:
                result.update(existing=True, batch_id=before.batch_key, payment_status=before.status)
            elif payment.currency != settings.currency:
                result.update(status="REJECTED", error="CURRENCY_NOT_SUPPORTED",
                              message=f"payments are made in {settings.currency}")
            else:
                rows.append({"reference_id": payment.reference_id, "batch_key": batch_key,
                             "content_hash": payment.content_hash, "account": payment.account,
                             "amount_minor": payment.amount_minor, "currency": payment.currency,
                             "payee_note": payment.payee_note, "status": "PENDING", "fee_minor": 0,
                             "accepted_at": received, "due_at": now + settings.callback_delay_seconds,
                             "callbacks_left": 0})
            results.append(result)
        answer = {"batch_id": batch_key, "received": len(results), "accepted": len(results) - sum(
            result["status"] == "REJECTED" for result in results), "payments": results}
        answer["rejected"] = answer["received"] - answer["accepted"]
        bulk.insert_all(conn, Payment.__table__, rows)
        conn.execute(insert(Batch).values(batch_key=batch_key, request_hash=batch.request_hash,
                                          callback_url=batch.callback_url, answer=json.dumps(answer),
                                          received_at=received))
    return answer


def result(row) -> dict:
    """A payment as the status query and the callbacks tell it."""
    return {"reference_id": row.reference_id, "batch_id": row.batch_key, "status": row.status,
            "reason": row.reason, "amount": text(row.amount_minor), "fee": text(row.fee_minor),
            "currency": row.currency, "financial_transaction_id": row.receipt,
            "completed_at": row.completed_at.isoformat(timespec="seconds") + "Z" if row.completed_at else None}


RESULT_COLUMNS = (Payment.reference_id, Payment.batch_key, Payment.status, Payment.reason, Payment.amount_minor,
                  Payment.fee_minor, Payment.currency, Payment.receipt, Payment.completed_at)


def statuses(engine, references: list[str]) -> dict:
    """The payments known by these references, and the references not known at all."""
    found = {}
    with engine.connect() as conn:
        for start in range(0, len(references), 1000):
            chunk = references[start:start + 1000]
            for row in conn.execute(select(*RESULT_COLUMNS).where(Payment.reference_id.in_(chunk))):
                found[row.reference_id] = result(row)
    return {"payments": [found[ref] for ref in dict.fromkeys(references) if ref in found],
            "not_found": [ref for ref in dict.fromkeys(references) if ref not in found]}

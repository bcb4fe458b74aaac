"""Payment orders: the adapter's record of each payable it owes the provider, by state.

NEW → HELD (no verified account; never sent) or QUEUED (in a batch being POSTed) → SENT →
RECEIVED (the provider's final result). A result can also reach a QUEUED order (its callback
came before the SENT commit). HELD and RECEIVED orders are answered (`answered_at`) when the
ledger posts the payment or the reversal."""
from datetime import datetime, timezone

from services.ledger.models import PaymentOrder, Posting
from services.ledger.payments.references import reference_id
from shared.contracts import DisbursementRequested

NEW, HELD, QUEUED, SENT, RECEIVED = "NEW", "HELD", "QUEUED", "SENT", "RECEIVED"
SUCCESSFUL, FAILED = "SUCCESSFUL", "FAILED"
REASON_LENGTH = PaymentOrder.reason.type.length


def new_order(command: DisbursementRequested, rail: str) -> dict:
    """The row the writer inserts with a payable the provider is to pay."""
    return {"idempotency_key": command.idempotency_key, "reference_id": reference_id(rail, command.idempotency_key),
            "kind": command.kind, "reference": command.reference, "state": NEW, "attempts": 0}


def command_of(posting: Posting, order: PaymentOrder) -> DisbursementRequested:
    """The command the payable was posted for, to post its answer with the same metadata and links."""
    return DisbursementRequested(
        disbursement_id=posting.disbursement_id, idempotency_key=posting.idempotency_key,
        participant_id=posting.participant_id, programme=posting.programme, kind=order.kind,
        amount=posting.amount, currency=posting.currency, reference=order.reference, cycle=posting.cycle)


def short_reason(reason: str | None) -> str | None:
    return reason[:REASON_LENGTH] if reason else reason


def now() -> datetime:
    return datetime.now(timezone.utc)


def answered(session, idempotency_key: str) -> None:
    """The order's answer is in the ledger (found there by start-up recovery)."""
    order = session.get(PaymentOrder, idempotency_key)
    if order is not None and order.answered_at is None:
        order.answered_at = now()

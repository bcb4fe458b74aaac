"""Payments whose time has come are decided: paid (the float pays the amount and the fee),
failed before any money moved, or paid and then reversed. Each decision writes the
statement lines and schedules the payment's callbacks, in one transaction.

Outcomes are drawn from the seed and the reference (`simulation`); a float too small for
the amount and its fee fails the payment with NOT_ENOUGH_FUNDS. A reversed payment keeps
its fee (the statement shows payment, charge and reversal) and is FAILED with reason
REVERSED. The callback faults are drawn per payment too: lost (no callback), duplicated
(two), or held back `out_of_order_delay_seconds` behind later payments."""
from sqlalchemy import select

from services.provider import bulk, funds, simulation
from services.provider.models import Batch, Payment
from services.provider.units import utc

SETTLE_CHUNK = 5000


def _mask(account: str) -> str:
    """What the statement prints of the payee: enough for finance to recognise, not a number to reuse."""
    if account.startswith("bank:"):
        return f"bank account ****{account[-4:]}"
    return f"{account[:4]}****{account[-3:]}"


def callback_plan(seed: str, reference: str, faults, has_url: bool, now: float) -> tuple[int, float]:
    """How many callbacks this payment gets, and from when."""
    if not has_url or simulation.score(seed, "lost", reference) < faults.lost_callback_rate:
        return 0, now
    count = 2 if simulation.score(seed, "duplicate", reference) < faults.duplicate_callback_rate else 1
    held = simulation.score(seed, "order", reference) < faults.out_of_order_rate
    return count, now + (faults.out_of_order_delay_seconds if held else 0.0)


def settle_due(engine, settings, faults, now: float) -> int:
    """Decide up to SETTLE_CHUNK payments due by `now`; the number decided."""
    seed, at = settings.seed, utc(now)
    with funds.FLOAT_LOCK, engine.begin() as conn:
        due = conn.execute(
            select(Payment.reference_id, Payment.account, Payment.amount_minor, Batch.callback_url)
            .join(Batch, Batch.batch_key == Payment.batch_key)
            .where(Payment.status == "PENDING", Payment.due_at <= now)
            .order_by(Payment.due_at, Payment.reference_id).limit(SETTLE_CHUNK)).all()
        if not due:
            return 0
        balance = funds.balance(conn, settings)
        decided, lines = [], []
        for reference, account, amount, url in due:
            reason = simulation.failure_reason(seed, reference, account, settings)
            fee = simulation.fee_minor(amount, settings.fee_flat, settings.fee_percent)
            if reason is None and balance < amount + fee:
                reason = "NOT_ENOUGH_FUNDS"
            receipt = None
            if reason is None:
                receipt = simulation.receipt(seed, "payment", reference)
                balance -= amount
                lines.append(funds.line(receipt, at, f"Business payment to {_mask(account)}", reference, balance,
                                        withdrawn=amount))
                if fee:
                    balance -= fee
                    lines.append(funds.line(receipt, at, "Business payment charge", reference, balance, withdrawn=fee))
                if simulation.reversed_after_payment(seed, reference, settings.reversal_rate):
                    balance += amount
                    lines.append(funds.line(simulation.receipt(seed, "reversal", reference), at,
                                            f"Reversal of {receipt}", reference, balance, paid_in=amount,
                                            status="Reversed"))
                    reason = "REVERSED"
            callbacks, callback_at = callback_plan(seed, reference, faults, url is not None, now)
            decided.append({"reference_id": reference, "status": "FAILED" if reason else "SUCCESSFUL",
                            "reason": reason, "receipt": receipt, "fee_minor": fee if receipt else 0,
                            "completed_at": at, "callbacks_left": callbacks, "callback_at": callback_at})
        bulk.update_all(conn, Payment.__table__, "reference_id", decided)
        funds.add_lines(conn, lines)
        funds.store_balance(conn, settings, balance)
    return len(decided)

"""Monthly allowance cycles: prepare → review → release → progress.

A programme with an `allowance` pays it each month to whom `entitlements` finds due. One
finance user prepares a month's cycle: an entitlement per participant due (unique per
programme, month and participant, so no later cycle pays that month again) and its first
payment attempt, nothing sent yet. Another user releases it (maker-checker): one
disbursement command per payment, keyed by the entitlement and the attempt. A payment the
rail refused is sent again by a later release under a new attempt; consent withdrawn or a
case withdrawn since preparation stops a payment instead. A month may have a later cycle
for those an earlier one did not hold (say, a phase change that arrived late).
"""
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import budget, entitlements, programmes
from services.livelihoods.grants import now
from services.livelihoods.models import (AllowanceCycle, AllowanceEntitlement, AllowancePayment, ParticipantFacts,
                                         Programme)
from services.livelihoods.schemas import Allowance, PrepareCycle
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested
from shared.errors import Conflict, IllegalTransition, NotFound, SegregationOfDuties, ValidationFailed
from shared.ids import unused_id

PREFIX = "A-"


def _allowance(programme: Programme) -> Allowance:
    if not programme.allowance:
        raise ValidationFailed(f"programme {programme.code} pays no allowance")
    return Allowance.model_validate(programme.allowance)


def prepare(session: Session, command: PrepareCycle, actor: str, today: date,
            grace_days: int) -> tuple[AllowanceCycle, list[dict]]:
    """A PREPARED cycle with an entitlement and a PENDING payment per participant due; nothing
    is sent yet. A cycle nobody is due in is refused with the reasons, and nothing is kept."""
    programme = programmes.load(session, command.programme)
    allowance = _allowance(programme)
    month = entitlements.Month.parse(command.month)
    entitlements.check_month(programme, month, today, grace_days)
    due, left_out = entitlements.screen(session, programme, allowance, month)
    if not due:
        reasons = Counter(o["code"] for o in left_out)
        raise Conflict(f"nobody is due an allowance of {programme.code} for {month}"
                       + (": " + ", ".join(f"{n} {code}" for code, n in sorted(reasons.items())) if reasons else ""))
    budget.require_available(session, programme, allowance.amount * len(due))
    cycle = AllowanceCycle(id=unused_id(session, AllowanceCycle, "AC-", 8), programme=programme.code,
                           month=str(month), status="PREPARED", prepared_by=actor, prepared_at=now())
    session.add(cycle)
    for participant_id in due:
        entitlement = AllowanceEntitlement(programme=programme.code, month=str(month), participant_id=participant_id,
                                           cycle_id=cycle.id)
        session.add(entitlement)
        _add_payment(session, cycle, entitlement, allowance.amount, programme.currency, attempt=1)
    session.flush()
    return cycle, left_out


def _add_payment(session: Session, cycle: AllowanceCycle, entitlement: AllowanceEntitlement, amount: Decimal,
                 currency: str, attempt: int) -> AllowancePayment:
    payment = AllowancePayment(
        id=unused_id(session, AllowancePayment, PREFIX, 8), cycle_id=cycle.id, entitlement=entitlement,
        participant_id=entitlement.participant_id, amount=amount, currency=currency, attempt=attempt,
        status="PENDING", idempotency_key=(f"allowance:{entitlement.programme}:{entitlement.month}:"
                                           f"{entitlement.participant_id}:a{attempt}"))
    session.add(payment)
    return payment


def load(session: Session, cycle_id: str, lock: bool = False) -> AllowanceCycle:
    cycle = session.get(AllowanceCycle, cycle_id, with_for_update=lock)
    if cycle is None:
        raise NotFound(f"no payment cycle {cycle_id}")
    return cycle


def payments(session: Session, cycle_id: str) -> list[AllowancePayment]:
    return list(session.scalars(select(AllowancePayment).where(AllowancePayment.cycle_id == cycle_id)
                                .order_by(AllowancePayment.participant_id, AllowancePayment.attempt)))


def current(session: Session, cycle_id: str) -> list[AllowancePayment]:
    """Each participant's latest attempt: what the cycle's progress is about."""
    return list({p.participant_id: p for p in payments(session, cycle_id)}.values())


def _stopped(session: Session, cycle_id: str) -> dict[str, str]:
    """Who in the cycle may no longer be paid: consent or case withdrawn since preparation."""
    stopped = {}
    for participant_id, consent_active, phase in session.execute(
            select(ParticipantFacts.participant_id, ParticipantFacts.consent_active, ParticipantFacts.phase)
            .where(ParticipantFacts.participant_id.in_(
                select(AllowancePayment.participant_id).where(AllowancePayment.cycle_id == cycle_id)))):
        if not consent_active:
            stopped[participant_id] = "consent withdrawn"
        elif phase == "WITHDRAWN":
            stopped[participant_id] = "case withdrawn"
    return stopped


def release(session: Session, cycle_id: str, actor: str, emit) -> AllowanceCycle:
    """Send the prepared payments, or, once released, only those the rail refused (new
    attempts); a payment whose participant withdrew consent or left is STOPPED, not sent.
    Two releases at once queue on the cycle's row: the second finds it released."""
    cycle = load(session, cycle_id, lock=True)
    if actor == cycle.prepared_by:
        raise SegregationOfDuties(f"{actor} prepared {cycle.id}; another finance user releases it")
    programme = programmes.load(session, cycle.programme)
    waiting = "PENDING" if cycle.status == "PREPARED" else "FAILED"
    waiting_payments = [p for p in current(session, cycle.id) if p.status == waiting]
    stopped = _stopped(session, cycle.id)
    if waiting == "PENDING":
        for payment in waiting_payments:
            if payment.participant_id in stopped:
                payment.status, payment.failure_reason = "STOPPED", stopped[payment.participant_id]
        sending = [p for p in waiting_payments if p.status == "PENDING"]
    else:
        sending = [_add_payment(session, cycle, p.entitlement, p.amount, p.currency, p.attempt + 1)
                   for p in waiting_payments if p.participant_id not in stopped]
        if not sending:
            raise IllegalTransition(f"cycle {cycle.id} is already released and no payment to re-send failed"
                                    + (f" ({len(stopped)} stopped: consent or case withdrawn)" if stopped else ""))
    budget.require_available(session, programme, sum((p.amount for p in sending), Decimal(0)))
    for payment in sending:
        payment.status = "REQUESTED"
        emit(DisbursementRequested(
            disbursement_id=payment.id, idempotency_key=payment.idempotency_key,
            participant_id=payment.participant_id, programme=cycle.programme, kind="ALLOWANCE",
            amount=payment.amount, currency=payment.currency, reference=payment.id, cycle=cycle.id))
    cycle.status, cycle.released_by, cycle.released_at = "RELEASED", actor, now()
    return cycle


def settled(session: Session, payment: AllowancePayment, event: DisbursementCompleted) -> None:
    payment.status, payment.settled_at, payment.rail_reference = "PAID", now(), event.rail_reference


def failed(session: Session, payment: AllowancePayment, event: DisbursementFailed) -> None:
    """The rail refused (or finance reversed it): the next release of the cycle sends it again."""
    payment.status, payment.settled_at, payment.failure_reason = "FAILED", now(), event.reason


def describe(session: Session, cycle: AllowanceCycle, left_out: list[dict] | None = None) -> dict:
    """Progress over each participant's latest attempt; every attempt listed, pseudonymous ids only."""
    latest = current(session, cycle.id)
    view = {"cycle_id": cycle.id, "programme": cycle.programme, "month": cycle.month, "status": cycle.status,
            "prepared_by": cycle.prepared_by, "prepared_at": cycle.prepared_at.isoformat(),
            "released_by": cycle.released_by,
            "released_at": cycle.released_at.isoformat() if cycle.released_at else None,
            "currency": latest[0].currency if latest else None,
            "total": str(sum((p.amount for p in latest if p.status != "STOPPED"), Decimal("0.00"))),
            "paid": str(sum((p.amount for p in latest if p.status == "PAID"), Decimal("0.00"))),
            "counts": dict(Counter(p.status for p in latest)),
            "payments": [{"payment_id": p.id, "participant_id": p.participant_id, "amount": str(p.amount),
                          "attempt": p.attempt, "idempotency_key": p.idempotency_key, "status": p.status,
                          "rail_reference": p.rail_reference, "failure_reason": p.failure_reason}
                         for p in payments(session, cycle.id)]}
    if left_out is not None:
        view["left_out"] = left_out
    return view


def all_cycles(session: Session, programme: str | None = None) -> list[AllowanceCycle]:
    query = select(AllowanceCycle).order_by(AllowanceCycle.month.desc(), AllowanceCycle.programme)
    if programme:
        query = query.where(AllowanceCycle.programme == programme)
    return list(session.scalars(query))

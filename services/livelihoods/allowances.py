"""Monthly allowance cycles: prepare → review → release → progress.

A programme with an `allowance` pays it each month to participants in its phases whose
consent is active and who meet its conditions. One finance user prepares the month's cycle
(a payment per participant, nothing sent yet); another releases it (maker-checker), which
sends one disbursement command per payment. A payment the rail refused is sent again by a
later release under a new attempt, so its key changes and nothing is paid twice.
"""
from collections import Counter
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.livelihoods import budget, eligibility, programmes
from services.livelihoods.conditions import parse_conditions
from services.livelihoods.grants import now
from services.livelihoods.models import AllowanceCycle, AllowancePayment, ParticipantFacts, Programme
from services.livelihoods.schemas import PrepareCycle
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested
from shared.errors import Conflict, IllegalTransition, NotFound, SegregationOfDuties, ValidationFailed
from shared.ids import unused_id

PREFIX = "A-"


def _allowance(programme: Programme) -> dict:
    if not programme.allowance:
        raise ValidationFailed(f"programme {programme.code} pays no allowance")
    return programme.allowance


def _screen(session: Session, programme: Programme) -> tuple[list[str], list[dict]]:
    """Who is due this month, and who in the allowance's phases is left out and why."""
    allowance = _allowance(programme)
    candidates = list(session.scalars(select(ParticipantFacts.participant_id).where(
        ParticipantFacts.phase.in_(allowance["phases"])).order_by(ParticipantFacts.participant_id)))
    rules = parse_conditions(allowance.get("conditions") or [])
    due, left_out = [], []
    for participant_id, facts in sorted(eligibility.gather_facts_many(session, programme, candidates).items()):
        failing = [o.reason for o in (rule.check(facts) for rule in rules) if not o.passed]
        if not facts.consent_active:
            failing.insert(0, "consent withdrawn")
        if failing:
            left_out.append({"participant_id": participant_id, "reason": "; ".join(failing)})
        else:
            due.append(participant_id)
    return due, left_out


def prepare(session: Session, command: PrepareCycle, actor: str) -> tuple[AllowanceCycle, list[dict]]:
    """A PREPARED cycle with a PENDING payment per participant due; nothing is sent yet."""
    programme = programmes.load(session, command.programme)
    amount = Decimal(_allowance(programme)["amount"])
    if session.scalar(select(AllowanceCycle.id).where(AllowanceCycle.programme == programme.code,
                                                      AllowanceCycle.month == command.month)):
        raise Conflict(f"{programme.code} already has a payment cycle for {command.month}")
    due, left_out = _screen(session, programme)
    budget.require_available(session, programme, amount * len(due))
    cycle = AllowanceCycle(id=unused_id(session, AllowanceCycle, "AC-", 8), programme=programme.code,
                           month=command.month, status="PREPARED", prepared_by=actor, prepared_at=now())
    session.add(cycle)
    for participant_id in due:
        _add_payment(session, cycle, participant_id, amount, programme.currency, attempt=1)
    try:
        session.flush()
    except IntegrityError:  # another finance user prepared the same month just now
        raise Conflict(f"{programme.code} already has a payment cycle for {command.month}") from None
    return cycle, left_out


def _add_payment(session: Session, cycle: AllowanceCycle, participant_id: str, amount: Decimal, currency: str,
                 attempt: int) -> AllowancePayment:
    payment = AllowancePayment(
        id=unused_id(session, AllowancePayment, PREFIX, 8), cycle_id=cycle.id, participant_id=participant_id,
        amount=amount, currency=currency, attempt=attempt, status="PENDING",
        idempotency_key=f"allowance:{cycle.id}:{participant_id}:a{attempt}")
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


def release(session: Session, cycle_id: str, actor: str, emit) -> AllowanceCycle:
    """Send the prepared payments, or, once released, only those the rail refused (new attempts)."""
    cycle = load(session, cycle_id, lock=True)
    if actor == cycle.prepared_by:
        raise SegregationOfDuties(f"{actor} prepared {cycle.id}; another finance user releases it")
    programme = programmes.load(session, cycle.programme)
    if cycle.status == "PREPARED":
        sending = [p for p in current(session, cycle.id) if p.status == "PENDING"]
    else:
        sending = [_add_payment(session, cycle, p.participant_id, p.amount, p.currency, p.attempt + 1)
                   for p in current(session, cycle.id) if p.status == "FAILED"]
        if not sending:
            raise IllegalTransition(f"cycle {cycle.id} is already released and no payment failed")
    budget.require_available(session, programme, sum((p.amount for p in sending), Decimal(0)))
    for payment in sending:
        payment.status = "REQUESTED"
        emit(DisbursementRequested(
            disbursement_id=payment.id, idempotency_key=payment.idempotency_key,
            participant_id=payment.participant_id, programme=cycle.programme, kind="ALLOWANCE",
            amount=payment.amount, currency=payment.currency, reference=payment.id, cycle=cycle.id))
    cycle.status, cycle.released_by, cycle.released_at = "RELEASED", actor, now()
    return cycle


def owns(disbursement_id: str) -> bool:
    return disbursement_id.startswith(PREFIX)


def _payment(session: Session, disbursement_id: str) -> AllowancePayment:
    payment = session.get(AllowancePayment, disbursement_id, with_for_update=True)
    if payment is None:
        raise NotFound(f"ledger answered for unknown allowance payment {disbursement_id}")
    return payment


def settled(session: Session, event: DisbursementCompleted) -> None:
    payment = _payment(session, event.disbursement_id)
    payment.status, payment.settled_at, payment.rail_reference = "PAID", now(), event.rail_reference


def failed(session: Session, event: DisbursementFailed) -> None:
    """The rail refused (or finance reversed it): the next release of the cycle sends it again."""
    payment = _payment(session, event.disbursement_id)
    payment.status, payment.settled_at, payment.failure_reason = "FAILED", now(), event.reason


def describe(session: Session, cycle: AllowanceCycle, left_out: list[dict] | None = None) -> dict:
    """Progress over each participant's latest attempt; every attempt listed, pseudonymous ids only."""
    latest = current(session, cycle.id)
    view = {"cycle_id": cycle.id, "programme": cycle.programme, "month": cycle.month, "status": cycle.status,
            "prepared_by": cycle.prepared_by, "prepared_at": cycle.prepared_at.isoformat(),
            "released_by": cycle.released_by,
            "released_at": cycle.released_at.isoformat() if cycle.released_at else None,
            "currency": latest[0].currency if latest else None,
            "total": str(sum((p.amount for p in latest), Decimal("0.00"))),
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

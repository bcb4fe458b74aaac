"""Paying an approved grant tranche by tranche, and keeping payments honest.

Finance releases one tranche at a time. Before each, the programme's conditions and the
tranche's own (say, a follow-up visit found the business operating) are checked again:
a participant who no longer complies is paused, not paid. Each release is one
disbursement command with an idempotency key derived from the entitlement
(application, tranche, attempt); a new attempt is possible only after the previous one
definitively failed, so a tranche is never paid twice. Two releases at once queue on the
application's row: the second finds the tranche being paid.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import eligibility, programmes
from services.livelihoods.grants import approvals, load, now, record, require_status, tier
from services.livelihoods.models import Disbursement, FollowUpVisit, GrantApplication, ParticipantFacts
from services.livelihoods.schemas import FollowUp
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested
from shared.errors import IllegalTransition, NotEligible
from shared.ids import unused_id

OPEN = ("SUBMITTED", "APPROVED", "DISBURSING")
PREFIX = "D-"


@dataclass
class Release:
    disbursement: Disbursement | None = None
    paused_reason: str | None = None


def amounts(application: GrantApplication, tranches: list[dict]) -> list[Decimal]:
    """Each tranche's share in cents; the last takes the rounding remainder."""
    shares = [(application.amount * t["percent"] / 100).quantize(Decimal("0.01")) for t in tranches[:-1]]
    return shares + [application.amount - sum(shares, Decimal(0))]


def _disbursements(session: Session, application_id: str) -> list[Disbursement]:
    return list(session.scalars(select(Disbursement).where(Disbursement.application_id == application_id)
                                .order_by(Disbursement.tranche, Disbursement.attempt)))


def release(session: Session, application_id: str, actor: str, emit) -> Release:
    """Release the next tranche, or pause the application (returned, not raised, so the
    pause is kept when the caller commits)."""
    application = load(session, application_id, lock=True)
    require_status(application, "APPROVED", "DISBURSING")
    participant = session.get(ParticipantFacts, application.participant_id)
    if participant is None or not participant.consent_active:
        raise NotEligible(f"{application.participant_id} has withdrawn consent; no money is released for "
                          f"{application.id}")
    programme = programmes.load(session, application.programme)
    earlier = _disbursements(session, application.id)
    if any(d.status == "REQUESTED" for d in earlier):
        raise IllegalTransition(f"a tranche of {application.id} is already being paid")
    if waiting := next((d for d in earlier if d.status == "PENDING"), None):
        raise IllegalTransition(f"tranche {waiting.tranche} of {application.id} is in payment cycle "
                                f"{waiting.cycle_id}, awaiting its release")
    paid = {d.tranche for d in earlier if d.status == "PAID"}
    number = min(n for n in range(1, len(programme.tranches) + 1) if n not in paid)
    facts = eligibility.gather_facts(session, programme, application.participant_id, application.id)
    report = eligibility.evaluate(programme, facts, programme.tranches[number - 1].get("conditions"))
    if not report["eligible"]:
        reason = f"tranche {number}: {eligibility.failing_reasons(report)}"
        pause(session, application, reason)
        return Release(paused_reason=reason)
    resume(session, application)
    attempt = 1 + sum(d.tranche == number for d in earlier)
    disbursement = Disbursement(
        id=unused_id(session, Disbursement, PREFIX, 8), application_id=application.id,
        participant_id=application.participant_id, tranche=number,
        attempt=attempt, idempotency_key=f"grant:{application.id}:t{number}:a{attempt}",
        amount=amounts(application, programme.tranches)[number - 1], currency=application.currency,
        status="REQUESTED", requested_by=actor, requested_at=now())
    session.add(disbursement)
    application.status = "DISBURSING"
    record(session, application, "RELEASE", actor, reason=f"tranche {number} of {len(programme.tranches)}")
    emit(DisbursementRequested(
        disbursement_id=disbursement.id, idempotency_key=disbursement.idempotency_key,
        participant_id=application.participant_id, programme=application.programme, kind="GRANT",
        amount=disbursement.amount, currency=disbursement.currency, reference=application.id))
    return Release(disbursement=disbursement)


def pause(session: Session, application: GrantApplication, reason: str) -> None:
    if application.paused_reason != reason:
        application.paused_reason = reason
        record(session, application, "PAUSE", "system:eligibility", reason=reason)


def resume(session: Session, application: GrantApplication) -> None:
    if application.paused_reason is not None:
        application.paused_reason = None
        record(session, application, "RESUME", "system:eligibility")


def reassess(session: Session, participant_id: str) -> None:
    """After new facts about a participant: pause their open applications that no longer
    meet the programme's conditions, resume those that meet them again."""
    for application in session.scalars(select(GrantApplication).where(
            GrantApplication.participant_id == participant_id, GrantApplication.status.in_(OPEN))):
        programme = programmes.load(session, application.programme)
        facts = eligibility.gather_facts(session, programme, participant_id, application.id)
        report = eligibility.evaluate(programme, facts)
        if report["eligible"]:
            resume(session, application)
        else:
            pause(session, application, eligibility.failing_reasons(report))


def record_follow_up(session: Session, application_id: str, command: FollowUp, actor: str) -> None:
    application = load(session, application_id)
    require_status(application, "DISBURSING")
    session.add(FollowUpVisit(application_id=application.id, recorded_by=actor, **command.model_dump()))
    record(session, application, "FOLLOW_UP", actor,
           reason="business operating" if command.business_operating else "business not operating")


def settled(session: Session, disbursement: Disbursement, event: DisbursementCompleted) -> None:
    """The ledger confirmed a tranche; the last one makes the grant DISBURSED."""
    disbursement.status, disbursement.settled_at = "PAID", now()
    disbursement.rail_reference = event.rail_reference
    application = load(session, disbursement.application_id)
    tranches = programmes.load(session, application.programme).tranches
    paid = {d.tranche for d in _disbursements(session, application.id) if d.status == "PAID"}
    if paid >= set(range(1, len(tranches) + 1)):
        application.status = "DISBURSED"
        record(session, application, "DISBURSED", "system:ledger")


def failed(session: Session, disbursement: Disbursement, event: DisbursementFailed) -> None:
    """The rail refused, or finance reversed a payment it had made: the tranche can be
    re-issued under a new attempt (a disbursed grant is being disbursed again)."""
    disbursement.status, disbursement.settled_at = "FAILED", now()
    disbursement.failure_reason = event.reason
    application = load(session, disbursement.application_id)
    if application.status == "DISBURSED":
        application.status = "DISBURSING"
    record(session, application, "PAY_FAILED", "system:ledger", reason=event.reason)


def describe(session: Session, application: GrantApplication) -> dict:
    programme = programmes.load(session, application.programme)
    planned = amounts(application, programme.tranches)
    return {
        "application_id": application.id, "programme": application.programme,
        "participant_id": application.participant_id, "district": application.district,
        "amount": str(application.amount), "currency": application.currency, "status": application.status,
        "tier": tier(programme, application.amount)[0], "required_approvers": application.required_approvers,
        "approvals": [{"by": d.actor, "role": d.role, "at": d.at.isoformat()} for d in approvals(session, application)],
        "paused_reason": application.paused_reason, "business_plan": application.business_plan,
        "created_by": application.created_by, "decided_by": application.decided_by,
        "decision_reason": application.decision_reason, "version": application.version,
        "tranches": [{"tranche": n, "percent": t["percent"], "amount": str(planned[n - 1])}
                     for n, t in enumerate(programme.tranches, start=1)],
        "disbursements": [{"disbursement_id": d.id, "cycle_id": d.cycle_id, "tranche": d.tranche, "attempt": d.attempt,
                           "idempotency_key": d.idempotency_key, "amount": str(d.amount), "status": d.status,
                           "rail_reference": d.rail_reference, "failure_reason": d.failure_reason}
                          for d in _disbursements(session, application.id)],
    }

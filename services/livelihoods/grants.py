"""Grant applications: maker-checker approval, release by finance, and the ledger's answer.

`DRAFT → SUBMITTED → APPROVED | REJECTED → DISBURSING → DISBURSED`. The maker never
approves; above the programme's supervisor threshold only a supervisor may approve;
only finance releases money. Each release is one disbursement command with an
idempotency key derived from the entitlement (application, tranche, attempt), and a new
attempt is allowed only after the previous one definitively failed, so a tranche is
never paid twice.
"""
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import eligibility, programmes
from services.livelihoods.models import Disbursement, GrantApplication, ParticipantFacts
from services.livelihoods.schemas import CreateApplication
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested
from shared.errors import (Forbidden, IllegalTransition, NotEligible, NotFound, SegregationOfDuties,
                           ValidationFailed)
from shared.ids import unused_id

FULL_TRANCHE = 1


def _now() -> datetime:
    return datetime.now(timezone.utc)


def load(session: Session, application_id: str) -> GrantApplication:
    application = session.get(GrantApplication, application_id)
    if application is None:
        raise NotFound(f"no grant application {application_id}")
    return application


def _require_status(application: GrantApplication, *allowed: str) -> None:
    if application.status not in allowed:
        raise IllegalTransition(
            f"application {application.id} is {application.status}; needs {' or '.join(allowed)}")


def create(session: Session, command: CreateApplication, actor: str) -> GrantApplication:
    programme = programmes.load(session, command.programme)
    if command.currency != programme.currency:
        raise ValidationFailed(f"programme {programme.code} pays in {programme.currency}, not {command.currency}")
    if command.amount > programme.grant_amount:
        raise ValidationFailed(f"amount {command.amount} is above the programme's grant of {programme.grant_amount}")
    eligibility.gather_facts(session, programme, command.participant_id)
    application = GrantApplication(
        id=unused_id(session, GrantApplication, "G-", 8), programme=programme.code, participant_id=command.participant_id,
        amount=command.amount, currency=command.currency,
        business_plan=command.business_plan.model_dump(mode="json"), status="DRAFT",
        created_by=actor, created_at=_now())
    session.add(application)
    return application


def _eligibility(session: Session, application: GrantApplication) -> dict:
    programme = programmes.load(session, application.programme)
    facts = eligibility.gather_facts(session, programme, application.participant_id,
                                     ignoring_application=application.id)
    return eligibility.evaluate(programme, facts)


def explain(session: Session, application: GrantApplication) -> dict:
    return _eligibility(session, application)


def submit(session: Session, application_id: str, actor: str) -> GrantApplication:
    application = load(session, application_id)
    _require_status(application, "DRAFT")
    if actor != application.created_by:
        raise Forbidden("only the officer who drafted an application submits it")
    report = _eligibility(session, application)
    if not report["eligible"]:
        raise NotEligible(f"not eligible for {application.programme}: {eligibility.failing_reasons(report)}")
    application.status, application.submitted_at = "SUBMITTED", _now()
    return application


def approve(session: Session, application_id: str, actor: str, role: str) -> GrantApplication:
    application = load(session, application_id)
    _require_status(application, "SUBMITTED")
    if actor == application.created_by:
        raise SegregationOfDuties("the maker of a grant application cannot approve it")
    programme = programmes.load(session, application.programme)
    threshold = programme.supervisor_threshold
    if threshold is not None and application.amount > threshold and role != "supervisor":
        raise Forbidden(f"grants above {threshold} {programme.currency} need a supervisor's approval")
    report = _eligibility(session, application)
    if not report["eligible"]:
        raise NotEligible(f"no longer eligible: {eligibility.failing_reasons(report)}")
    application.status, application.decided_by, application.decided_at = "APPROVED", actor, _now()
    return application


def reject(session: Session, application_id: str, actor: str, reason: str) -> GrantApplication:
    application = load(session, application_id)
    _require_status(application, "SUBMITTED")
    if actor == application.created_by:
        raise SegregationOfDuties("the maker of a grant application cannot decide on it")
    application.status, application.decided_by, application.decided_at = "REJECTED", actor, _now()
    application.decision_reason = reason
    return application


def _require_consent(session: Session, application: GrantApplication) -> None:
    participant = session.get(ParticipantFacts, application.participant_id)
    if participant is None or not participant.consent_active:
        raise NotEligible(f"{application.participant_id} has withdrawn consent; "
                          f"no money is released for {application.id}")


def release(session: Session, application_id: str, actor: str, emit) -> Disbursement:
    """Finance releases an approved grant: one disbursement command through the outbox.

    Refused once consent is withdrawn, whatever the programme's conditions say, because
    withdrawal stops future money. A disbursement already requested is not recalled: the
    ledger pays or fails it and this service records the answer; only a re-issue after a
    failure meets this check again.
    """
    application = load(session, application_id)
    _require_status(application, "APPROVED")
    _require_consent(session, application)
    earlier = session.scalars(select(Disbursement).where(
        Disbursement.application_id == application.id, Disbursement.tranche == FULL_TRANCHE)).all()
    if any(d.status != "FAILED" for d in earlier):
        raise IllegalTransition(f"tranche {FULL_TRANCHE} of {application.id} is already paid or in flight")
    attempt = len(earlier) + 1
    disbursement = Disbursement(
        id=unused_id(session, Disbursement, "D-", 8), application_id=application.id, tranche=FULL_TRANCHE, attempt=attempt,
        idempotency_key=f"grant:{application.id}:t{FULL_TRANCHE}:a{attempt}",
        amount=application.amount, currency=application.currency, status="REQUESTED",
        requested_by=actor, requested_at=_now())
    session.add(disbursement)
    application.status = "DISBURSING"
    emit(DisbursementRequested(
        disbursement_id=disbursement.id, idempotency_key=disbursement.idempotency_key,
        participant_id=application.participant_id, programme=application.programme, kind="GRANT",
        amount=disbursement.amount, currency=disbursement.currency, reference=application.id))
    return disbursement


def _disbursement(session: Session, disbursement_id: str) -> Disbursement:
    disbursement = session.get(Disbursement, disbursement_id, with_for_update=True)
    if disbursement is None:
        raise NotFound(f"ledger answered for unknown disbursement {disbursement_id}")
    return disbursement


def settled(session: Session, event: DisbursementCompleted) -> None:
    """The ledger confirmed the payment."""
    disbursement = _disbursement(session, event.disbursement_id)
    disbursement.status, disbursement.settled_at = "PAID", _now()
    disbursement.rail_reference = event.rail_reference
    load(session, disbursement.application_id).status = "DISBURSED"


def failed(session: Session, event: DisbursementFailed) -> None:
    """The rail refused: the grant goes back to APPROVED so finance can re-issue it."""
    disbursement = _disbursement(session, event.disbursement_id)
    disbursement.status, disbursement.settled_at = "FAILED", _now()
    disbursement.failure_reason = event.reason
    load(session, disbursement.application_id).status = "APPROVED"


def describe(session: Session, application: GrantApplication) -> dict:
    disbursements = session.scalars(select(Disbursement).where(
        Disbursement.application_id == application.id).order_by(Disbursement.requested_at)).all()
    return {
        "application_id": application.id, "programme": application.programme,
        "participant_id": application.participant_id, "amount": str(application.amount),
        "currency": application.currency, "status": application.status,
        "business_plan": application.business_plan, "created_by": application.created_by,
        "decided_by": application.decided_by, "decision_reason": application.decision_reason,
        "disbursements": [{"disbursement_id": d.id, "idempotency_key": d.idempotency_key,
                           "amount": str(d.amount), "status": d.status,
                           "rail_reference": d.rail_reference, "failure_reason": d.failure_reason}
                          for d in disbursements],
    }

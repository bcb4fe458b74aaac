"""Grant applications: maker-checker approval by tier, return for revision, cancellation.

`DRAFT → SUBMITTED → APPROVED | REJECTED | RETURNED (→ SUBMITTED again) → DISBURSING →
DISBURSED`, or `CANCELLED` before money moves. The maker never approves; the amount's tier
names the roles that must each approve, by different people; the budget is checked at
the final approval. Every action is kept with who, when and why. Each change bumps the
application's version, so two people acting at once cannot both succeed.
"""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import budget, eligibility, programmes
from services.livelihoods.models import Disbursement, GrantApplication, GrantDecision, ParticipantFacts, Programme
from services.livelihoods.schemas import ApplicationQuery, CreateApplication, Revision
from shared.errors import (Forbidden, IllegalTransition, NotEligible, NotFound, SegregationOfDuties,
                           ValidationFailed)
from shared.ids import unused_id

EDITABLE = ("DRAFT", "RETURNED")


def now() -> datetime:
    return datetime.now(timezone.utc)


def load(session: Session, application_id: str, lock: bool = False) -> GrantApplication:
    application = session.get(GrantApplication, application_id, with_for_update=lock)
    if application is None:
        raise NotFound(f"no grant application {application_id}")
    return application


def require_status(application: GrantApplication, *allowed: str) -> None:
    if application.status not in allowed:
        raise IllegalTransition(
            f"application {application.id} is {application.status}; needs {' or '.join(allowed)}")


def record(session: Session, application: GrantApplication, action: str, actor: str,
           role: str | None = None, reason: str | None = None) -> None:
    """Keep the decision and touch the application, so a concurrent change conflicts."""
    session.add(GrantDecision(application_id=application.id, action=action, actor=actor, role=role,
                              reason=reason, at=now()))
    application.updated_at = now()


def tier(programme: Programme, amount: Decimal) -> tuple[int, list[str]]:
    """The 1-based tier of an amount and the roles it needs."""
    for number, level in enumerate(programme.approval_tiers, start=1):
        if level["max_amount"] is None or amount <= Decimal(level["max_amount"]):
            return number, level["approvers"]
    raise ValueError("the last approval tier has no limit")


def _check_amount(programme: Programme, amount: Decimal, currency: str) -> None:
    if currency != programme.currency:
        raise ValidationFailed(f"programme {programme.code} pays in {programme.currency}, not {currency}")
    if amount > programme.grant_amount:
        raise ValidationFailed(f"amount {amount} is above the programme's grant of {programme.grant_amount}")


def create(session: Session, command: CreateApplication, actor: str) -> GrantApplication:
    programme = programmes.load(session, command.programme)
    _check_amount(programme, command.amount, command.currency)
    eligibility.gather_facts(session, programme, command.participant_id)
    application = GrantApplication(
        id=unused_id(session, GrantApplication, "G-", 8), programme=programme.code,
        participant_id=command.participant_id, amount=command.amount, currency=command.currency,
        business_plan=command.business_plan.model_dump(mode="json"), status="DRAFT",
        district=session.get(ParticipantFacts, command.participant_id).district, required_approvers=[],
        created_by=actor, created_at=now(), updated_at=now())
    session.add(application)
    session.flush()
    record(session, application, "DRAFT", actor)
    return application


def _maker_only(application: GrantApplication, actor: str, what: str) -> None:
    if actor != application.created_by:
        raise Forbidden(f"only the officer who drafted an application {what} it")


def revise(session: Session, application_id: str, command: Revision, actor: str) -> GrantApplication:
    application = load(session, application_id)
    require_status(application, *EDITABLE)
    _maker_only(application, actor, "revises")
    _check_amount(programmes.load(session, application.programme), command.amount, application.currency)
    application.amount = command.amount
    application.business_plan = command.business_plan.model_dump(mode="json")
    record(session, application, "REVISE", actor)
    return application


def explain(session: Session, application: GrantApplication) -> dict:
    programme = programmes.load(session, application.programme)
    facts = eligibility.gather_facts(session, programme, application.participant_id, application.id)
    return eligibility.evaluate(programme, facts)


def _require_eligible(session: Session, application: GrantApplication, doing: str) -> None:
    report = explain(session, application)
    if not report["eligible"]:
        raise NotEligible(f"cannot {doing}: not eligible for {application.programme}: "
                          f"{eligibility.failing_reasons(report)}")


def submit(session: Session, application_id: str, actor: str) -> GrantApplication:
    application = load(session, application_id)
    require_status(application, *EDITABLE)
    _maker_only(application, actor, "submits")
    _require_eligible(session, application, "submit")
    _, application.required_approvers = tier(programmes.load(session, application.programme), application.amount)
    application.status, application.submitted_at = "SUBMITTED", now()
    record(session, application, "SUBMIT", actor)
    return application


def approvals(session: Session, application: GrantApplication) -> list[GrantDecision]:
    """The approvals of the current submission (a return for revision voids earlier ones)."""
    history = session.scalars(select(GrantDecision).where(GrantDecision.application_id == application.id)
                              .order_by(GrantDecision.id)).all()
    since = max((n for n, d in enumerate(history) if d.action == "SUBMIT"), default=-1)
    return [d for d in history[since + 1:] if d.action == "APPROVE"]


def _checker(application: GrantApplication, actor: str, role: str) -> None:
    if actor == application.created_by:
        raise SegregationOfDuties("the maker of a grant application cannot decide on it")
    if role not in application.required_approvers:
        raise Forbidden(f"this tier needs approval by {' and '.join(application.required_approvers)}, not {role}")


def approve(session: Session, application_id: str, actor: str, role: str) -> GrantApplication:
    application = load(session, application_id)
    require_status(application, "SUBMITTED")
    _checker(application, actor, role)
    given = approvals(session, application)
    if any(d.actor == actor for d in given):
        raise SegregationOfDuties(f"{actor} already approved {application.id}; another person must")
    if any(d.role == role for d in given):
        raise IllegalTransition(f"the {role} approval of {application.id} is already given")
    _require_eligible(session, application, "approve")
    missing = set(application.required_approvers) - {d.role for d in given} - {role}
    if not missing:
        budget.require_available(session, programmes.load(session, application.programme), application.amount)
        application.status, application.decided_by, application.decided_at = "APPROVED", actor, now()
    record(session, application, "APPROVE", actor, role)
    return application


def reject(session: Session, application_id: str, actor: str, role: str, reason: str) -> GrantApplication:
    application = load(session, application_id)
    require_status(application, "SUBMITTED")
    _checker(application, actor, role)
    application.status, application.decided_by, application.decided_at = "REJECTED", actor, now()
    application.decision_reason = reason
    record(session, application, "REJECT", actor, role, reason)
    return application


def return_for_revision(session: Session, application_id: str, actor: str, role: str,
                        reason: str) -> GrantApplication:
    application = load(session, application_id)
    require_status(application, "SUBMITTED")
    _checker(application, actor, role)
    application.status, application.decision_reason = "RETURNED", reason
    record(session, application, "RETURN", actor, role, reason)
    return application


def cancel(session: Session, application_id: str, actor: str, role: str, reason: str) -> GrantApplication:
    """Before any money moves: by its maker, or by a supervisor."""
    application = load(session, application_id)
    require_status(application, "DRAFT", "SUBMITTED", "RETURNED", "APPROVED")
    if actor != application.created_by and role != "supervisor":
        raise Forbidden("only the maker or a supervisor cancels an application")
    if session.scalar(select(Disbursement.id).where(Disbursement.application_id == application.id).limit(1)):
        raise IllegalTransition(f"money was already requested for {application.id}")
    application.status, application.decision_reason = "CANCELLED", reason
    record(session, application, "CANCEL", actor, role, reason)
    return application


def queue(session: Session, query: ApplicationQuery) -> list[GrantApplication]:
    statement = select(GrantApplication).order_by(GrantApplication.submitted_at, GrantApplication.id)
    for column, value in ((GrantApplication.status, query.status), (GrantApplication.district, query.district),
                          (GrantApplication.programme, query.programme)):
        if value:
            statement = statement.where(column == value)
    rows = session.scalars(statement).all()
    if query.tier:
        rows = [a for a in rows if tier(programmes.load(session, a.programme), a.amount)[0] == query.tier]
    return rows[query.offset:query.offset + query.limit]


def history(session: Session, application: GrantApplication) -> list[dict]:
    return [{"action": d.action, "by": d.actor, "role": d.role, "reason": d.reason, "at": d.at.isoformat()}
            for d in session.scalars(select(GrantDecision).where(GrantDecision.application_id == application.id)
                                     .order_by(GrantDecision.id))]

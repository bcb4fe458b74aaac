"""Eligibility: every condition of a programme, each with pass/fail and why."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import attendance
from services.livelihoods.conditions import Facts, parse_conditions
from services.livelihoods.models import Completion, FollowUpVisit, GrantApplication, ParticipantFacts, Programme
from shared.errors import UnknownParticipant

GRANTED = ("APPROVED", "DISBURSING", "DISBURSED")


def gather_facts(session: Session, programme: Programme, participant_id: str,
                 application_id: str | None = None) -> Facts:
    """The facts about a participant; for an application, leaving itself out of the
    earlier grants and adding its latest follow-up visit."""
    participant = session.get(ParticipantFacts, participant_id)
    if participant is None:
        raise UnknownParticipant(f"no participant {participant_id} known to livelihoods")
    completions = session.scalars(select(Completion).where(Completion.participant_id == participant_id)
                                  .order_by(Completion.completed_on)).all()
    earlier = session.scalars(select(GrantApplication.id).where(
        GrantApplication.participant_id == participant_id,
        GrantApplication.programme == programme.code,
        GrantApplication.status.in_(GRANTED),
        GrantApplication.id != (application_id or ""))).all()
    visit = session.scalars(select(FollowUpVisit).where(FollowUpVisit.application_id == application_id)
                            .order_by(FollowUpVisit.visited_on.desc(), FollowUpVisit.id.desc()).limit(1)).first()
    return Facts(phase=participant.phase, consent_active=participant.consent_active,
                 completions=list(completions), earlier_grants=list(earlier),
                 attendance=attendance.by_cohort(session, participant_id),
                 business_operating=None if visit is None else visit.business_operating)


def evaluate(programme: Programme, facts: Facts, extra_conditions: list | None = None) -> dict:
    """The programme's conditions (and, before a tranche, that tranche's own)."""
    results = []
    for condition in parse_conditions(programme.conditions + (extra_conditions or [])):
        outcome = condition.check(facts)
        results.append({"condition": condition.model_dump(exclude_none=True),
                        "passed": outcome.passed, "reason": outcome.reason})
    return {"programme": programme.code, "eligible": all(r["passed"] for r in results),
            "conditions": results}


def failing_reasons(report: dict) -> str:
    return "; ".join(r["reason"] for r in report["conditions"] if not r["passed"])

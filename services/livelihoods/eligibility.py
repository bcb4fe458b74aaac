"""Eligibility: every condition of a programme, each with pass/fail and why."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import attendance
from services.livelihoods.conditions import Facts, parse_conditions
from services.livelihoods.models import Completion, GrantApplication, ParticipantFacts, Programme
from shared.errors import UnknownParticipant

GRANTED = ("APPROVED", "DISBURSING", "DISBURSED")


def gather_facts(session: Session, programme: Programme, participant_id: str,
                 ignoring_application: str | None = None) -> Facts:
    participant = session.get(ParticipantFacts, participant_id)
    if participant is None:
        raise UnknownParticipant(f"no participant {participant_id} known to livelihoods")
    completions = session.scalars(select(Completion).where(Completion.participant_id == participant_id)
                                  .order_by(Completion.completed_on)).all()
    earlier = session.scalars(select(GrantApplication.id).where(
        GrantApplication.participant_id == participant_id,
        GrantApplication.programme == programme.code,
        GrantApplication.status.in_(GRANTED),
        GrantApplication.id != (ignoring_application or ""))).all()
    return Facts(phase=participant.phase, consent_active=participant.consent_active,
                 completions=list(completions), earlier_grants=list(earlier),
                 attendance=attendance.by_cohort(session, participant_id))


def evaluate(programme: Programme, facts: Facts) -> dict:
    results = []
    for condition in parse_conditions(programme.conditions):
        outcome = condition.check(facts)
        results.append({"condition": condition.model_dump(exclude_none=True),
                        "passed": outcome.passed, "reason": outcome.reason})
    return {"programme": programme.code, "eligible": all(r["passed"] for r in results),
            "conditions": results}


def failing_reasons(report: dict) -> str:
    return "; ".join(r["reason"] for r in report["conditions"] if not r["passed"])

"""Eligibility: every condition of a programme, each with pass/fail and why."""
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import attendance
from services.livelihoods.conditions import Facts, parse_conditions
from services.livelihoods.models import Completion, FollowUpVisit, GrantApplication, ParticipantFacts, Programme
from shared.errors import UnknownParticipant

GRANTED = ("APPROVED", "DISBURSING", "DISBURSED")


def gather_facts_many(session: Session, programme: Programme, participant_ids: list[str],
                      application_id: str | None = None) -> dict[str, Facts]:
    """The facts about participants, a few queries for many; for an application, leaving
    itself out of the earlier grants and adding its latest follow-up visit."""
    participants = {p.participant_id: p for p in session.scalars(
        select(ParticipantFacts).where(ParticipantFacts.participant_id.in_(participant_ids)))}
    unknown = [pid for pid in participant_ids if pid not in participants]
    if unknown:
        raise UnknownParticipant(f"no participant {unknown[0]} known to livelihoods")
    completions = defaultdict(list)
    for completion in session.scalars(select(Completion).where(Completion.participant_id.in_(participant_ids))
                                      .order_by(Completion.completed_on)):
        completions[completion.participant_id].append(completion)
    earlier = defaultdict(list)
    for participant_id, application in session.execute(select(GrantApplication.participant_id, GrantApplication.id)
                                                       .where(GrantApplication.participant_id.in_(participant_ids),
                                                              GrantApplication.programme == programme.code,
                                                              GrantApplication.status.in_(GRANTED),
                                                              GrantApplication.id != (application_id or ""))):
        earlier[participant_id].append(application)
    visit = session.scalars(select(FollowUpVisit).where(FollowUpVisit.application_id == application_id)
                            .order_by(FollowUpVisit.visited_on.desc(), FollowUpVisit.id.desc()).limit(1)).first()
    marks = attendance.by_cohort(session, participant_ids)
    return {pid: Facts(phase=p.phase, consent_active=p.consent_active, completions=completions[pid],
                       earlier_grants=earlier[pid], attendance=marks[pid], mentored=p.mentor_id is not None,
                       business_operating=None if visit is None else visit.business_operating)
            for pid, p in participants.items()}


def gather_facts(session: Session, programme: Programme, participant_id: str,
                 application_id: str | None = None) -> Facts:
    return gather_facts_many(session, programme, [participant_id], application_id)[participant_id]


def screen(session: Session, programme: Programme, participant_ids: list[str], chunk: int = 500):
    """Eligibility reports for many participants (a programme-wide screening)."""
    for start in range(0, len(participant_ids), chunk):
        facts = gather_facts_many(session, programme, participant_ids[start:start + chunk])
        for participant_id, participant_facts in facts.items():
            yield participant_id, evaluate(programme, participant_facts)


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

"""Individual case management: assessments and phase changes, each change an event."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment.models import Assessment, Participant, PhaseChange
from services.enrollment.participants import load
from services.enrollment.phases import aftercare_ends_on, check_transition, required_assessment
from services.enrollment.schemas import RecordAssessment
from shared.contracts import PhaseChanged
from shared.errors import IllegalTransition, ValidationFailed

PHASE_OF_ASSESSMENT = {"ENTRY": "ENTRY_ASSESSMENT", "EXIT": "EXIT_ASSESSMENT"}
AFTERCARE_LIMIT_ACTOR = "system:aftercare-limit"
AFTERCARE_CHECK_SECONDS = 3600


def _has_assessment(session: Session, participant_id: str, kind: str) -> bool:
    return session.scalar(select(Assessment.id).where(
        Assessment.participant_id == participant_id, Assessment.kind == kind).limit(1)) is not None


def record_assessment(session: Session, participant_id: str, command: RecordAssessment, actor: str,
                      today: date) -> Assessment:
    participant = load(session, participant_id, lock=True)
    phase = PHASE_OF_ASSESSMENT[command.kind]
    if participant.phase != phase:
        raise IllegalTransition(f"an {command.kind.lower()} assessment is recorded in {phase}, "
                                f"not in {participant.phase}")
    if not participant.consent_given_on <= command.assessed_on <= today:
        raise ValidationFailed(f"assessed_on {command.assessed_on} must be between the consent "
                               f"({participant.consent_given_on}) and today")
    assessment = Assessment(participant_id=participant_id, assessed_by=actor, **command.model_dump())
    session.add(assessment)
    return assessment


def change_phase(session: Session, participant_id: str, to_phase: str, actor: str, emit,
                 today: date | None = None) -> Participant:
    participant = load(session, participant_id, lock=True)
    check_transition(participant.phase, to_phase)
    needed = required_assessment(participant.phase, to_phase)
    if needed and not _has_assessment(session, participant_id, needed):
        raise IllegalTransition(f"record the {needed.lower()} assessment before moving to {to_phase}")
    now = datetime.now(timezone.utc)
    if to_phase == "AFTERCARE":
        participant.aftercare_started_on = today or now.date()
    session.add(PhaseChange(participant_id=participant.id, from_phase=participant.phase,
                            to_phase=to_phase, changed_by=actor, changed_at=now))
    emit(PhaseChanged(participant_id=participant.id, from_phase=participant.phase,
                      to_phase=to_phase, changed_by=actor, changed_at=now))
    participant.phase = to_phase
    return participant


def resume(session: Session, participant: Participant, actor: str, emit) -> None:
    """A withdrawn case continues in the phase it was withdrawn from (consent renewed)."""
    left = session.scalar(select(PhaseChange.from_phase).where(
        PhaseChange.participant_id == participant.id, PhaseChange.to_phase == "WITHDRAWN")
        .order_by(PhaseChange.id.desc()).limit(1))
    if left is None:
        raise IllegalTransition(f"the case of {participant.id} has no withdrawal to resume from")
    now = datetime.now(timezone.utc)
    session.add(PhaseChange(participant_id=participant.id, from_phase="WITHDRAWN", to_phase=left,
                            changed_by=actor, changed_at=now))
    emit(PhaseChanged(participant_id=participant.id, from_phase="WITHDRAWN", to_phase=left,
                      changed_by=actor, changed_at=now))
    participant.phase = left


def history(session: Session, participant_id: str) -> dict:
    """The case as it went: phase changes and assessments, oldest first."""
    load(session, participant_id)
    phases = session.scalars(select(PhaseChange).where(PhaseChange.participant_id == participant_id)
                             .order_by(PhaseChange.id))
    assessments = session.scalars(select(Assessment).where(Assessment.participant_id == participant_id)
                                  .order_by(Assessment.id))
    return {
        "phases": [{"from_phase": c.from_phase, "to_phase": c.to_phase, "changed_by": c.changed_by,
                    "changed_at": c.changed_at.isoformat()} for c in phases],
        "assessments": [{"kind": a.kind, "assessed_on": a.assessed_on.isoformat(), "assessed_by": a.assessed_by,
                         "needs": a.needs, "risk_factors": a.risk_factors,
                         "protective_factors": a.protective_factors, "livelihood_plan": a.livelihood_plan}
                        for a in assessments],
    }


def close_expired_aftercare(session: Session, today: date, emit) -> list[str]:
    """Close every case whose six months of aftercare are over."""
    due = [p.id for p in session.scalars(select(Participant).where(Participant.phase == "AFTERCARE"))
           if aftercare_ends_on(p.aftercare_started_on) <= today]
    for participant_id in due:
        change_phase(session, participant_id, "CLOSED", AFTERCARE_LIMIT_ACTOR, emit, today)
    return due

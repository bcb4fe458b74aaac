"""Facts livelihoods keeps about participants, applied from enrollment's events. New
facts re-evaluate the participant's open applications (paused if no longer eligible)."""
from sqlalchemy.orm import Session

from services.livelihoods.models import Completion, ParticipantFacts
from services.livelihoods.tranches import reassess
from shared.contracts import (ConsentWithdrawn, CourseCompleted, MatchAccepted, MatchEnded, ParticipantEnrolled,
                              PhaseChanged)
from shared.errors import UnknownParticipant


def participant_enrolled(session: Session, event: ParticipantEnrolled) -> None:
    session.merge(ParticipantFacts(participant_id=event.participant_id, district=event.district,
                                   gender=event.gender, phase=event.phase,
                                   consent_active=event.consent_active))


def phase_changed(session: Session, event: PhaseChanged) -> None:
    facts = session.get(ParticipantFacts, event.participant_id, with_for_update=True)
    if facts is None:
        raise LookupError(f"phase change for {event.participant_id} before its enrollment event")
    facts.phase = event.to_phase
    session.flush()
    reassess(session, event.participant_id)


def course_completed(session: Session, event: CourseCompleted) -> None:
    session.merge(Completion(participant_id=event.participant_id, cohort_id=event.cohort_id,
                             track=event.track, result=event.result, score=event.score,
                             sessions_held=event.sessions_held,
                             sessions_attended=event.sessions_attended,
                             completed_on=event.completed_on))
    session.flush()
    reassess(session, event.participant_id)


def consent_withdrawn(session: Session, event: ConsentWithdrawn) -> None:
    """Raises for a participant not seen yet, so the event is dead-lettered and replayed
    after the enrollment event instead of being lost."""
    facts = session.get(ParticipantFacts, event.participant_id, with_for_update=True)
    if facts is None:
        raise UnknownParticipant(f"consent withdrawal of {event.participant_id} before its enrollment event")
    facts.consent_active = False
    session.flush()
    reassess(session, event.participant_id)


def _known(session: Session, participant_id: str) -> ParticipantFacts:
    facts = session.get(ParticipantFacts, participant_id, with_for_update=True)
    if facts is None:
        raise LookupError(f"mentorship event for {participant_id} before its enrollment event")
    return facts


def mentorship_started(session: Session, event: MatchAccepted) -> None:
    _known(session, event.participant_id).mentor_id = event.mentor_id
    session.flush()
    reassess(session, event.participant_id)


def mentorship_ended(session: Session, event: MatchEnded) -> None:
    facts = _known(session, event.participant_id)
    if facts.mentor_id == event.mentor_id:
        facts.mentor_id = None
        session.flush()
        reassess(session, event.participant_id)

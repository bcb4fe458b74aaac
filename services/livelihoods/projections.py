"""Facts livelihoods keeps about participants, applied from enrollment's events. New
facts re-evaluate the participant's open applications (paused if no longer eligible)."""
from datetime import datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods.entitlements import utc
from services.livelihoods.models import Completion, ParticipantFacts, PhaseHistory
from services.livelihoods.tranches import reassess
from shared.contracts import (ConsentRenewed, ConsentWithdrawn, CourseCompleted, MatchAccepted, MatchEnded, ParticipantEnrolled,
                              PhaseChanged)
from shared.errors import UnknownParticipant


def _enter_phase(session: Session, facts: ParticipantFacts, phase: str, since: datetime) -> None:
    """Keep the phase in the history; the current phase is the latest one entered, whatever
    order the events arrive in."""
    since = utc(since)
    entered = session.scalars(select(PhaseHistory).where(PhaseHistory.participant_id == facts.participant_id,
                                                         PhaseHistory.since == since)).one_or_none()
    if entered is None:
        session.add(PhaseHistory(participant_id=facts.participant_id, since=since, phase=phase))
    else:
        entered.phase = phase
    session.flush()
    facts.phase = session.scalars(select(PhaseHistory.phase).where(
        PhaseHistory.participant_id == facts.participant_id).order_by(PhaseHistory.since.desc()).limit(1)).one()


def participant_enrolled(session: Session, event: ParticipantEnrolled) -> None:
    facts = session.merge(ParticipantFacts(participant_id=event.participant_id, district=event.district,
                                           gender=event.gender, phase=event.phase,
                                           consent_active=event.consent_active))
    _enter_phase(session, facts, event.phase, datetime.combine(event.enrolled_on, time.min, timezone.utc))


def phase_changed(session: Session, event: PhaseChanged) -> None:
    facts = session.get(ParticipantFacts, event.participant_id, with_for_update=True)
    if facts is None:
        raise LookupError(f"phase change for {event.participant_id} before its enrollment event")
    _enter_phase(session, facts, event.to_phase, event.changed_at)
    reassess(session, event.participant_id)


def course_completed(session: Session, event: CourseCompleted) -> None:
    session.merge(Completion(participant_id=event.participant_id, cohort_id=event.cohort_id,
                             track=event.track, result=event.result, score=event.score,
                             sessions_held=event.sessions_held,
                             sessions_attended=event.sessions_attended,
                             completed_on=event.completed_on))
    session.flush()
    reassess(session, event.participant_id)


def _set_consent(session: Session, participant_id: str, active: bool, what: str) -> None:
    """Raises for a participant not seen yet, so the event is dead-lettered and replayed
    after the enrollment event instead of being lost."""
    facts = session.get(ParticipantFacts, participant_id, with_for_update=True)
    if facts is None:
        raise UnknownParticipant(f"consent {what} of {participant_id} before its enrollment event")
    facts.consent_active = active
    session.flush()
    reassess(session, participant_id)


def consent_withdrawn(session: Session, event: ConsentWithdrawn) -> None:
    _set_consent(session, event.participant_id, False, "withdrawal")


def consent_renewed(session: Session, event: ConsentRenewed) -> None:
    """Consent given again: the consent condition passes again and paused applications resume."""
    _set_consent(session, event.participant_id, True, "renewal")


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

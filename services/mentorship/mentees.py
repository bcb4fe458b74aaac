"""The mentee projection: built only from enrollment's events, never from its tables.

Events may arrive late or twice. The inbox absorbs duplicates; `phase_changed_at`
keeps an older phase change from overwriting a newer one; a withdrawal holds until consent is renewed.
"""
from sqlalchemy.orm import Session

from services.mentorship import matching
from services.mentorship.models import Mentee
from services.mentorship.timestamps import as_utc
from shared.contracts import ConsentRenewed, ParticipantEnrolled, PhaseChanged
from shared.errors import NotEligible, UnknownParticipant

MATCHABLE_PHASES = frozenset({"ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE"})


def on_enrolled(session: Session, event: ParticipantEnrolled) -> None:
    mentee = session.get(Mentee, event.participant_id, with_for_update=True)
    if mentee is None:
        mentee = Mentee(participant_id=event.participant_id)
        session.add(mentee)
    mentee.district, mentee.gender = event.district, event.gender
    mentee.languages, mentee.livelihood_interest = list(event.languages), event.livelihood_interest
    mentee.birth_cohort = event.birth_cohort
    if mentee.phase_changed_at is None:
        mentee.phase = event.phase
        mentee.consent_active = event.consent_active and event.phase != "WITHDRAWN"


def on_phase_changed(session: Session, event: PhaseChanged) -> None:
    """Raises for a participant not seen yet: the event is dead-lettered and can be
    replayed once the enrollment event has arrived."""
    mentee = session.get(Mentee, event.participant_id, with_for_update=True)
    if mentee is None:
        raise UnknownParticipant(f"phase change of {event.participant_id} arrived before its enrollment")
    if mentee.phase_changed_at is not None and as_utc(event.changed_at) <= as_utc(mentee.phase_changed_at):
        return
    mentee.phase, mentee.phase_changed_at = event.to_phase, event.changed_at
    if event.to_phase == "WITHDRAWN":
        mentee.consent_active = False


def on_consent_renewed(session: Session, event: ConsentRenewed) -> None:
    """Consent given again: the mentee waits for the next round (a withdrawn case becomes
    matchable once its resumed phase arrives)."""
    load(session, event.participant_id, lock=True).consent_active = True


def load(session: Session, participant_id: str, lock: bool = False) -> Mentee:
    mentee = session.get(Mentee, participant_id, with_for_update=lock)
    if mentee is None:
        raise UnknownParticipant(f"no enrollment of {participant_id} has reached mentorship")
    return mentee


def require_matchable(mentee: Mentee) -> None:
    """Participation is voluntary: no offers after withdrawal, none once the case is closed."""
    if mentee.phase == "WITHDRAWN" or not mentee.consent_active:
        raise NotEligible(f"{mentee.participant_id} has withdrawn consent; no mentorship offers")
    if mentee.phase not in MATCHABLE_PHASES:
        raise NotEligible(f"the case of {mentee.participant_id} is {mentee.phase}; no mentorship offers")


def facts(mentee: Mentee) -> matching.Mentee:
    return matching.Mentee(participant_id=mentee.participant_id, district=mentee.district,
                           gender=mentee.gender, languages=tuple(mentee.languages),
                           trade=mentee.livelihood_interest, birth_cohort=mentee.birth_cohort)

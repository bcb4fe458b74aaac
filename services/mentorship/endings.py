"""When mentorship ends for a mentee: consent withdrawn, or the case withdrawn or closed (the
aftercare period is over). Participation is voluntary, so the mentee gets no new offer, a
draft or sent offer is withdrawn and an accepted mentorship ends; the mentor must stop
contacting the person. A mentor who was a participant and withdraws consent stops mentoring.
The rows stay, with the reason, as history."""
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.mentorship import mentees, mentors, offers
from services.mentorship.models import Mentor, Offer
from shared.contracts import ConsentWithdrawn, PhaseChanged

ENDING_PHASES = {"WITHDRAWN": ("case withdrawn", "CASE_WITHDRAWN"), "CLOSED": ("case closed", "CASE_CLOSED")}
MENTOR_GONE = ("the mentor is no longer available", "MENTOR_DEACTIVATED")


def withdrawn(session: Session, event: ConsentWithdrawn, emit) -> None:
    """Raises for a participant not seen yet: the event is dead-lettered and can be
    replayed once the enrollment event has arrived."""
    mentee = mentees.load(session, event.participant_id, lock=True)
    mentee.consent_active = False
    moment = datetime.now(timezone.utc)
    offers.close(session, Offer.participant_id == mentee.participant_id, "consent withdrawn",
                 "CONSENT_WITHDRAWN", moment, emit)
    mentor = session.scalar(select(Mentor).where(Mentor.participant_id == mentee.participant_id))
    if mentor is not None and mentor.active:
        stop_mentoring(session, mentor.id, "consent withdrawn", emit)


def phase_changed(session: Session, event: PhaseChanged, emit) -> None:
    """Follow the case; a withdrawn or closed case ends mentorship as withdrawal does."""
    mentees.on_phase_changed(session, event)
    if event.to_phase in ENDING_PHASES:
        reason, code = ENDING_PHASES[event.to_phase]
        offers.close(session, Offer.participant_id == event.participant_id, reason, code,
                     datetime.now(timezone.utc), emit)


def stop_mentoring(session: Session, mentor_id: str, reason: str, emit) -> Mentor:
    """Deactivate a mentor; their mentees wait for the next round."""
    mentor = mentors.deactivate(session, mentor_id, reason)
    offers.close(session, Offer.mentor_id == mentor_id, *MENTOR_GONE, mentor.deactivated_at, emit)
    return mentor

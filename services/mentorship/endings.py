"""When mentorship ends for a mentee: consent withdrawn, or the case withdrawn or closed.
Participation is voluntary, so the mentee gets no new offer, an offer still waiting is
withdrawn and an accepted mentorship ends; the mentor must stop contacting the person.
The rows stay, with the reason, as history."""
from sqlalchemy.orm import Session

from services.mentorship import mentees, offers
from shared.contracts import ConsentWithdrawn, PhaseChanged

REASON = "consent withdrawn"
ENDING_PHASES = {"WITHDRAWN": "case withdrawn", "CLOSED": "case closed"}


def withdrawn(session: Session, event: ConsentWithdrawn) -> None:
    """Raises for a participant not seen yet: the event is dead-lettered and can be
    replayed once the enrollment event has arrived."""
    mentee = mentees.load(session, event.participant_id, lock=True)
    mentee.consent_active = False
    offers.close_all(session, mentee.participant_id, REASON)


def phase_changed(session: Session, event: PhaseChanged) -> None:
    """Follow the case; a withdrawn or closed case ends mentorship as withdrawal does."""
    mentees.on_phase_changed(session, event)
    if event.to_phase in ENDING_PHASES:
        offers.close_all(session, event.participant_id, ENDING_PHASES[event.to_phase])

"""Consent withdrawal: participation is voluntary, so the mentee gets no new offer, an
offer still waiting is withdrawn and an accepted mentorship ends; the mentor must stop
contacting the person. The rows stay, with the reason, as history."""
from sqlalchemy.orm import Session

from services.mentorship import mentees, offers
from shared.contracts import ConsentWithdrawn

REASON = "consent withdrawn"


def withdrawn(session: Session, event: ConsentWithdrawn) -> None:
    """Raises for a participant not seen yet: the event is dead-lettered and can be
    replayed once the enrollment event has arrived."""
    mentee = mentees.load(session, event.participant_id, lock=True)
    mentee.consent_active = False
    offers.close_all(session, mentee.participant_id, REASON)

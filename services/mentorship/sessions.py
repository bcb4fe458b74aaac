"""Sessions a mentor logs for an accepted mentorship: date, topic and a short note."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.mentorship import offers
from services.mentorship.models import MentoringSession
from services.mentorship.schemas import LogSession
from services.mentorship.timestamps import as_utc, iso
from shared.errors import IllegalTransition, ValidationFailed


def log(session: Session, offer_id: str, mentor_id: str, command: LogSession, moment: datetime) -> MentoringSession:
    offer = offers.own_sent(session, offer_id, mentor_id)
    if offer.status != offers.ACCEPTED:
        raise IllegalTransition(f"offer {offer_id} is {offer.status}; sessions are logged for an accepted mentorship")
    if command.held_on > moment.date():
        raise ValidationFailed(f"held_on {command.held_on} is in the future")
    if command.held_on < as_utc(offer.decided_at).date():
        raise ValidationFailed(f"held_on {command.held_on} is before the mentorship began")
    logged = MentoringSession(offer_id=offer_id, held_on=command.held_on, topic=command.topic,
                              note=command.note, logged_at=moment)
    session.add(logged)
    session.flush()
    return logged


def for_offer(session: Session, offer_id: str) -> list[MentoringSession]:
    return list(session.scalars(select(MentoringSession).where(MentoringSession.offer_id == offer_id)
                                .order_by(MentoringSession.held_on, MentoringSession.id)))


def describe(logged: MentoringSession) -> dict:
    return {"session_id": logged.id, "offer_id": logged.offer_id, "held_on": logged.held_on.isoformat(),
            "topic": logged.topic, "note": logged.note, "logged_at": iso(logged.logged_at)}

"""Registering mentors and counting the offers they carry."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.ids import unused_id
from services.mentorship.models import Mentor, Offer
from services.mentorship.schemas import RegisterMentor
from services.mentorship.timestamps import iso, now
from shared.errors import Conflict, NotFound


def register(session: Session, command: RegisterMentor, actor: str) -> Mentor:
    if command.participant_id is not None:
        existing = session.scalar(select(Mentor.id).where(Mentor.participant_id == command.participant_id))
        if existing is not None:
            raise Conflict(f"{command.participant_id} is already registered as mentor {existing}")
    mentor = Mentor(id=unused_id(session, Mentor, "M-"), active=True, registered_by=actor,
                    registered_at=now(), **command.model_dump())
    session.add(mentor)
    return mentor


def load(session: Session, mentor_id: str, lock: bool = False) -> Mentor:
    mentor = session.get(Mentor, mentor_id, with_for_update=lock)
    if mentor is None:
        raise NotFound(f"no mentor {mentor_id}")
    return mentor


def count_offers(session: Session, mentor_ids: list[str], statuses) -> dict[str, int]:
    """Offers per mentor in the given statuses; mentors with none are absent."""
    rows = session.execute(
        select(Offer.mentor_id, func.count()).where(
            Offer.mentor_id.in_(mentor_ids), Offer.status.in_(list(statuses)))
        .group_by(Offer.mentor_id))
    return dict(rows.all())


def describe(mentor: Mentor) -> dict:
    return {
        "mentor_id": mentor.id, "participant_id": mentor.participant_id,
        "district": mentor.district, "gender": mentor.gender, "languages": mentor.languages,
        "trade": mentor.trade, "capacity": mentor.capacity, "vetted": mentor.vetted,
        "active": mentor.active, "registered_by": mentor.registered_by,
        "registered_at": iso(mentor.registered_at),
    }

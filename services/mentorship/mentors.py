"""Mentors: registration, vetting, availability, deactivation, and whether one may take a
mentee today."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship import mentees
from services.mentorship.models import Mentor, Offer
from services.mentorship.schemas import RegisterMentor, UpdateMentor
from services.mentorship.timestamps import iso, now
from shared.errors import Conflict, IllegalTransition, NotEligible, NotFound
from shared.ids import unused_id

COMPLETED_PHASE = "CLOSED"


def register(session: Session, command: RegisterMentor, actor: str) -> Mentor:
    """A former participant must have completed the programme and still consent."""
    if command.participant_id is not None:
        existing = session.scalar(select(Mentor.id).where(Mentor.participant_id == command.participant_id))
        if existing is not None:
            raise Conflict(f"{command.participant_id} is already registered as mentor {existing}")
        participant = mentees.load(session, command.participant_id)
        if participant.phase != COMPLETED_PHASE or not participant.consent_active:
            raise NotEligible(f"{command.participant_id} has not completed the programme "
                              f"(case {participant.phase}, consent {'active' if participant.consent_active else 'withdrawn'})")
    fields = command.model_dump(exclude={"birth_year"})
    cohort = None if command.birth_year is None else command.birth_year - command.birth_year % 5
    if cohort is None and command.participant_id is not None:
        cohort = participant.birth_cohort
    mentor = Mentor(id=unused_id(session, Mentor, "M-"), active=True, registered_by=actor,
                    registered_at=now(), birth_cohort=cohort, **fields)
    session.add(mentor)
    return mentor


def load(session: Session, mentor_id: str, lock: bool = False) -> Mentor:
    mentor = session.get(Mentor, mentor_id, with_for_update=lock)
    if mentor is None:
        raise NotFound(f"no mentor {mentor_id}")
    return mentor


def update(session: Session, mentor_id: str, command: UpdateMentor) -> Mentor:
    mentor = load(session, mentor_id, lock=True)
    if not mentor.active:
        raise IllegalTransition(f"mentor {mentor_id} was deactivated")
    for name, value in command.model_dump(exclude_unset=True).items():
        if value is None and name not in ("vetted_until", "available_from"):
            continue
        setattr(mentor, name, value)
    return mentor


def deactivate(session: Session, mentor_id: str, reason: str) -> Mentor:
    """The caller closes the mentor's offers (see `offers.close_for_mentor`)."""
    mentor = load(session, mentor_id, lock=True)
    if not mentor.active:
        raise IllegalTransition(f"mentor {mentor_id} was already deactivated")
    mentor.active, mentor.deactivated_at, mentor.deactivation_reason = False, now(), reason
    return mentor


def unavailable(mentor: Mentor, today: date) -> str | None:
    """Why this mentor may take no new mentee today, or None."""
    if not mentor.active:
        return "deactivated"
    if not mentor.vetted:
        return "not vetted"
    if mentor.vetted_until is not None and mentor.vetted_until < today:
        return f"vetting lapsed on {mentor.vetted_until.isoformat()}"
    if mentor.available_from is not None and mentor.available_from > today:
        return f"not available before {mentor.available_from.isoformat()}"
    return None


def vetting(mentor: Mentor, today: date) -> str:
    if not mentor.vetted:
        return "NOT_VETTED"
    return "LAPSED" if mentor.vetted_until is not None and mentor.vetted_until < today else "VETTED"


def count_offers(session: Session, mentor_ids: list[str], statuses) -> dict[str, int]:
    """Offers per mentor in the given statuses; mentors with none are absent."""
    rows = session.execute(
        select(Offer.mentor_id, func.count()).where(
            Offer.mentor_id.in_(mentor_ids), Offer.status.in_(list(statuses)))
        .group_by(Offer.mentor_id))
    return dict(rows.all())


def in_district(session: Session, district: str | None) -> list[Mentor]:
    """A district's mentors (every mentor when None), locked: rounds in one district run one at a time."""
    query = select(Mentor).order_by(Mentor.id).with_for_update()
    if district is not None:
        query = query.where(func.lower(Mentor.district) == district.strip().lower())
    return list(session.scalars(query))


def describe(mentor: Mentor, today: date) -> dict:
    return {
        "mentor_id": mentor.id, "participant_id": mentor.participant_id,
        "district": mentor.district, "gender": mentor.gender, "languages": mentor.languages,
        "trade": mentor.trade, "capacity": mentor.capacity, "vetted": mentor.vetted,
        "vetted_until": mentor.vetted_until and mentor.vetted_until.isoformat(),
        "vetting": vetting(mentor, today),
        "available_from": mentor.available_from and mentor.available_from.isoformat(),
        "active": mentor.active, "deactivated_at": iso(mentor.deactivated_at),
        "deactivation_reason": mentor.deactivation_reason, "unavailable": unavailable(mentor, today),
        "registered_by": mentor.registered_by, "registered_at": iso(mentor.registered_at),
    }

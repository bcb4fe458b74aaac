"""Duplicate detection: the same national id, the same phone, or the same normalised
name and birth date. A match is never merged silently: exact re-submissions are
recognised, anything else is held for an officer to resolve."""
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.enrollment.models import HeldEnrollment, Participant
from services.enrollment.pii import BlindKeys

FIELDS = ("national_id", "phone", "name_dob")


@dataclass(frozen=True)
class Candidate:
    participant_id: str
    matched_on: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return set(self.matched_on) == set(FIELDS)

    def as_dict(self) -> dict:
        return {"participant_id": self.participant_id, "matched_on": list(self.matched_on)}


def _matched(row, keys: BlindKeys) -> tuple[str, ...]:
    return tuple(field for field in FIELDS if getattr(row, f"{field}_key") == getattr(keys, field))


def candidates(session: Session, keys: BlindKeys) -> list[Candidate]:
    rows = session.execute(select(Participant.id, Participant.national_id_key, Participant.phone_key,
                                  Participant.name_dob_key).where(or_(
        Participant.national_id_key == keys.national_id, Participant.phone_key == keys.phone,
        Participant.name_dob_key == keys.name_dob)).order_by(Participant.id)).all()
    return [Candidate(row.id, _matched(row, keys)) for row in rows]


def already_held(session: Session, keys: BlindKeys) -> HeldEnrollment | None:
    """An unresolved hold for the very same person (so a re-import holds nothing new)."""
    return session.scalar(select(HeldEnrollment).where(
        HeldEnrollment.status == "HELD", HeldEnrollment.national_id_key == keys.national_id,
        HeldEnrollment.phone_key == keys.phone, HeldEnrollment.name_dob_key == keys.name_dob))

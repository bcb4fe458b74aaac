"""Duplicate detection: the same national id, the same phone, or the same normalised
name and birth date. A match is never merged silently: exact re-submissions are
recognised, anything else is held for an officer to resolve. Lookups are batched, so
a CSV import asks the database once per chunk, not once per row."""
from collections import defaultdict
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


class KeyBook:
    """Who holds which blind key: known participants, plus those created in this batch."""

    def __init__(self):
        self._owners = {field: defaultdict(set) for field in FIELDS}

    def add(self, participant_id: str, keys: BlindKeys) -> None:
        for field in FIELDS:
            self._owners[field][getattr(keys, field)].add(participant_id)

    def candidates(self, keys: BlindKeys) -> list[Candidate]:
        matched = defaultdict(list)
        for field in FIELDS:
            for participant_id in self._owners[field].get(getattr(keys, field), ()):
                matched[participant_id].append(field)
        return [Candidate(pid, tuple(fields)) for pid, fields in sorted(matched.items())]


def _any_key(model, keys: list[BlindKeys]):
    return or_(model.national_id_key.in_({k.national_id for k in keys}),
               model.phone_key.in_({k.phone for k in keys}),
               model.name_dob_key.in_({k.name_dob for k in keys}))


def known(session: Session, keys: list[BlindKeys]) -> KeyBook:
    """The participants that share any key with any of these people."""
    book = KeyBook()
    for row in session.execute(select(Participant.id, Participant.national_id_key, Participant.phone_key,
                                      Participant.name_dob_key).where(_any_key(Participant, keys))):
        book.add(row.id, BlindKeys(row.national_id_key, row.phone_key, row.name_dob_key))
    return book


def open_holds(session: Session, keys: list[BlindKeys]) -> dict[BlindKeys, str]:
    """Unresolved holds of these very people (so a re-import holds nothing new)."""
    rows = session.execute(select(HeldEnrollment.id, HeldEnrollment.national_id_key, HeldEnrollment.phone_key,
                                  HeldEnrollment.name_dob_key).where(
        HeldEnrollment.status == "HELD", _any_key(HeldEnrollment, keys)))
    return {BlindKeys(r.national_id_key, r.phone_key, r.name_dob_key): r.id for r in rows}

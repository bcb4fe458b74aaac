"""Names for pages that list people: a whole page of them in one call (never one call per
row), never more than the largest list a page shows (a cohort's roster), and only the part
of the record the caller shows."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment.models import Participant
from services.enrollment.pii import PiiVault
from services.enrollment.schemas import MAX_COHORT
from shared.errors import ValidationFailed

MAX_NAMES = MAX_COHORT


def full_names(session: Session, vault: PiiVault, participant_ids: list[str]) -> dict[str, str]:
    """{participant id: full name} of those ids that exist (an officer's list)."""
    if len(participant_ids) > MAX_NAMES:
        raise ValidationFailed(f"at most {MAX_NAMES} names at once, not {len(participant_ids)}")
    people = session.scalars(select(Participant).where(Participant.id.in_(set(participant_ids))))
    return {person.id: vault.open(person.pii)["full_name"] for person in people}


def first_names(session: Session, vault: PiiVault, participant_ids: list[str]) -> dict[str, str]:
    """{participant id: first name}: all a mentor is shown of a mentee's personal data."""
    return {pid: name.split()[0] for pid, name in full_names(session, vault, participant_ids).items()}

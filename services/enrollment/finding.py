"""The participant list's search: filters, a search box and paging.

Names are sealed, so they cannot be searched in SQL. The box finds a pseudonymous id (or its
beginning) and an exact phone or national id through the blind keys duplicate detection
already keeps, without decrypting anything. A part of a name is searched only for callers
allowed to read names (officers) and only inside one district: its rows are opened a chunk
at a time, in id order, until the page is full, so the cost grows with the district, never
with the whole programme, and nothing decrypted is kept.
"""
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.enrollment.models import CohortMember, Participant
from services.enrollment.pii import BlindIndex, PiiVault, normalise_name, normalise_phone
from services.enrollment.schemas import ParticipantSearch
from shared.errors import ValidationFailed

PSEUDONYM = re.compile(r"^P-[0-9A-Z]{0,6}$")
MIN_PHONE_DIGITS = 7
CHUNK = 500


def _filtered(query: ParticipantSearch):
    statement = select(Participant).order_by(Participant.id)
    for column, value in ((Participant.district, query.district), (Participant.phase, query.phase),
                          (Participant.consent_active, query.consent_active)):
        if value is not None:
            statement = statement.where(column == value)
    if query.cohort_id:
        statement = statement.join(CohortMember, CohortMember.participant_id == Participant.id).where(
            CohortMember.cohort_id == query.cohort_id)
    return statement


def _keyed(index: BlindIndex, text: str):
    """Rows whose national id or phone is exactly this text (through their blind keys)."""
    conditions = [Participant.national_id_key == index.national_id_key(text)]
    if len(normalise_phone(text)) >= MIN_PHONE_DIGITS:
        conditions.append(Participant.phone_key == index.phone_key(text))
    return or_(*conditions)


def find(session: Session, vault: PiiVault, index: BlindIndex, query: ParticipantSearch, by_name: bool,
         pause=lambda: None) -> list[Participant]:
    """One page (`limit` from `offset`) of the participants that pass the filters and the box."""
    statement = _filtered(query)
    text = query.text
    if text and PSEUDONYM.match(text.upper()):
        statement = statement.where(Participant.id.startswith(text.upper()))
    elif text and not by_name:
        statement = statement.where(_keyed(index, text))
    elif text:
        return _by_name(session, vault, index, statement, query, text, pause)
    return list(session.scalars(statement.limit(query.limit).offset(query.offset)))


def _by_name(session, vault, index, statement, query, text, pause) -> list[Participant]:
    if not query.district:
        raise ValidationFailed("a search by name needs a district")
    wanted, keyed = normalise_name(text), set(session.scalars(statement.where(_keyed(index, text))
                                                              .with_only_columns(Participant.id)))
    found, skipped, after = [], 0, ""
    while len(found) < query.limit:
        chunk = list(session.scalars(statement.where(Participant.id > after).limit(CHUNK)))
        if not chunk:
            break
        for person in chunk:
            if person.id in keyed or (wanted and wanted in normalise_name(vault.open(person.pii)["full_name"])):
                if skipped < query.offset:
                    skipped += 1
                elif len(found) < query.limit:
                    found.append(person)
        after = chunk[-1].id
        pause()
    return found

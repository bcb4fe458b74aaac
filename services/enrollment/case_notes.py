"""Case notes and follow-up visits: what an officer writes about a person is sensitive, so
the text is sealed with the personal data key, read back only for officers, and never
travels in an event."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment.models import CaseNote
from services.enrollment.participants import load
from services.enrollment.pii import PiiVault
from services.enrollment.schemas import AddCaseNote
from shared.errors import ValidationFailed


def add(session: Session, vault: PiiVault, participant_id: str, command: AddCaseNote, actor: str,
        today: date) -> CaseNote:
    participant = load(session, participant_id)
    if command.happened_on < participant.consent_given_on or command.happened_on > today:
        raise ValidationFailed(f"the date {command.happened_on} must be between the enrollment "
                               f"({participant.consent_given_on}) and today")
    note = CaseNote(participant_id=participant_id, kind=command.kind, happened_on=command.happened_on,
                    sealed=vault.seal({"text": command.text}), recorded_by=actor,
                    recorded_at=datetime.now(timezone.utc))
    session.add(note)
    session.flush()
    return note


def read(session: Session, vault: PiiVault, participant_id: str) -> list[dict]:
    """Newest first, opened."""
    load(session, participant_id)
    notes = session.scalars(select(CaseNote).where(CaseNote.participant_id == participant_id)
                            .order_by(CaseNote.happened_on.desc(), CaseNote.id.desc()))
    return [{"kind": n.kind, "happened_on": n.happened_on.isoformat(), "text": vault.open(n.sealed)["text"],
             "recorded_by": n.recorded_by} for n in notes]


def counts(session: Session, participant_id: str) -> dict:
    """How many notes and visits there are, for readers who may not read them."""
    kinds = list(session.scalars(select(CaseNote.kind).where(CaseNote.participant_id == participant_id)))
    return {"NOTE": kinds.count("NOTE"), "VISIT": kinds.count("VISIT")}

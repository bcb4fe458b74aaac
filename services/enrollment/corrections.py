"""Correcting personal data: the sealed record and its blind keys change together, and the
history keeps which fields changed, who and when, never the values. A correction that would
make the person look like someone else already enrolled is refused: that is a duplicate to
resolve, not a typo."""
from datetime import date, datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.enrollment import identity_claims
from services.enrollment.models import Participant, PersonalDataCorrection
from services.enrollment.participants import load
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import PERSONAL_FIELDS, CorrectPersonalData
from shared.errors import Conflict, ValidationFailed


def correct(session: Session, vault: PiiVault, index: BlindIndex, participant_id: str,
            command: CorrectPersonalData, actor: str) -> list[str]:
    """Apply the fields that differ; answers their names (none changed is refused)."""
    participant = load(session, participant_id, lock=True)
    personal = vault.open(participant.pii)
    given = command.model_dump(mode="json", exclude={"reason"}, exclude_none=True)
    changed = [name for name in PERSONAL_FIELDS if name in given and given[name] != personal[name]]
    if not changed:
        raise ValidationFailed("nothing differs from the personal data on record")
    personal.update({name: given[name] for name in changed})
    keys = index.keys(personal["national_id"], personal["phone"], personal["full_name"],
                      date.fromisoformat(personal["date_of_birth"]))
    identity_claims.take(session, [keys])
    clash = session.scalar(select(Participant.id).where(
        Participant.id != participant_id,
        or_(Participant.national_id_key == keys.national_id, Participant.phone_key == keys.phone,
            Participant.name_dob_key == keys.name_dob)).limit(1))
    if clash is not None:
        raise Conflict(f"the corrected data matches {clash}, who is already enrolled: "
                       f"compare the two before changing anything")
    participant.pii = vault.seal(personal)
    participant.national_id_key, participant.phone_key, participant.name_dob_key = (
        keys.national_id, keys.phone, keys.name_dob)
    session.add(PersonalDataCorrection(participant_id=participant_id, fields=changed,
                                       sealed_reason=vault.seal({"reason": command.reason}),
                                       corrected_by=actor, corrected_at=datetime.now(timezone.utc)))
    return changed


def history(session: Session, participant_id: str, vault: PiiVault | None = None) -> list[dict]:
    """Who corrected which fields and when; the reason only with the vault (officers)."""
    load(session, participant_id)
    rows = session.scalars(select(PersonalDataCorrection).where(
        PersonalDataCorrection.participant_id == participant_id).order_by(PersonalDataCorrection.id))
    return [{"fields": row.fields, "corrected_by": row.corrected_by, "corrected_at": row.corrected_at.isoformat(),
             **({"reason": vault.open(row.sealed_reason)["reason"]} if vault else {})} for row in rows]

"""Consent: participation is voluntary. Withdrawal stops future payments and mentor
offers elsewhere (through the event) and keeps every record here; someone who withdrew
may come back by giving consent again (renewal), which resumes a withdrawn case."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment import case
from services.enrollment.models import ConsentRecord
from services.enrollment.participants import load
from services.enrollment.schemas import RenewConsent, WithdrawConsent
from shared.contracts import ConsentRenewed, ConsentWithdrawn
from shared.errors import Conflict, ValidationFailed


def withdraw(session: Session, participant_id: str, command: WithdrawConsent, actor: str, emit,
             today: date) -> None:
    participant = load(session, participant_id, lock=True)
    if not participant.consent_active:
        raise Conflict(f"consent of {participant_id} was already withdrawn on {participant.consent_withdrawn_on}")
    if not participant.consent_given_on <= command.withdrawn_on <= today:
        raise ValidationFailed(f"withdrawn_on {command.withdrawn_on} must be between the consent "
                               f"({participant.consent_given_on}) and today")
    participant.consent_active = False
    participant.consent_withdrawn_on = command.withdrawn_on
    session.add(ConsentRecord(participant_id=participant_id, kind="WITHDRAWN", effective_on=command.withdrawn_on,
                              reason=command.reason, recorded_by=actor, recorded_at=datetime.now(timezone.utc)))
    emit(ConsentWithdrawn(participant_id=participant_id, withdrawn_on=command.withdrawn_on, recorded_by=actor))


def renew(session: Session, participant_id: str, command: RenewConsent, actor: str, emit, today: date) -> None:
    """Consent given again after a withdrawal (never before it, never in the future); a case
    withdrawn meanwhile resumes in the phase it left."""
    participant = load(session, participant_id, lock=True)
    if participant.consent_active:
        raise Conflict(f"consent of {participant_id} is active; only a withdrawn consent is renewed")
    if not participant.consent_withdrawn_on <= command.renewed_on <= today:
        raise ValidationFailed(f"renewed_on {command.renewed_on} must be between the withdrawal "
                               f"({participant.consent_withdrawn_on}) and today")
    participant.consent_active = True
    session.add(ConsentRecord(participant_id=participant_id, kind="RENEWED", effective_on=command.renewed_on,
                              recorded_by=actor, recorded_at=datetime.now(timezone.utc)))
    emit(ConsentRenewed(participant_id=participant_id, renewed_on=command.renewed_on, recorded_by=actor))
    if participant.phase == "WITHDRAWN":
        case.resume(session, participant, actor, emit)


def history(session: Session, participant_id: str) -> list[dict]:
    load(session, participant_id)
    return [{"kind": r.kind, "effective_on": r.effective_on.isoformat(), "reason": r.reason,
             "recorded_by": r.recorded_by}
            for r in session.scalars(select(ConsentRecord).where(ConsentRecord.participant_id == participant_id)
                                     .order_by(ConsentRecord.id))]

"""Enrolling participants and moving their case through its phases."""
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from services.enrollment.models import Participant, PhaseChange
from services.enrollment.phases import check_transition
from services.enrollment.pii import PiiVault
from services.enrollment.schemas import EnrollParticipant
from shared.contracts import ParticipantEnrolled, PhaseChanged
from shared.errors import UnknownParticipant
from shared.ids import unused_id

def enroll(session: Session, vault: PiiVault, command: EnrollParticipant, actor: str, emit) -> Participant:
    participant = Participant(
        id=unused_id(session, Participant, "P-"),
        pii=vault.seal({"full_name": command.full_name, "phone": command.phone,
                        "national_id": command.national_id,
                        "date_of_birth": command.date_of_birth.isoformat()}),
        gender=command.gender, district=command.district, languages=command.languages,
        livelihood_interest=command.livelihood_interest,
        clearance_reference=command.clearance_reference, phase="ENTRY_ASSESSMENT",
        consent_active=True, consent_given_on=command.consent.given_on,
        consent_recorded_by=actor, enrolled_by=actor, enrolled_at=datetime.now(timezone.utc))
    session.add(participant)
    session.flush()
    emit(ParticipantEnrolled(
        participant_id=participant.id, district=participant.district, gender=participant.gender,
        languages=participant.languages, livelihood_interest=participant.livelihood_interest,
        phase=participant.phase, consent_active=True, enrolled_on=participant.enrolled_at.date()))
    return participant


def load(session: Session, participant_id: str, lock: bool = False) -> Participant:
    participant = session.get(Participant, participant_id, with_for_update=lock)
    if participant is None:
        raise UnknownParticipant(f"no participant {participant_id}")
    return participant


def change_phase(session: Session, participant_id: str, to_phase: str, actor: str, emit) -> Participant:
    participant = load(session, participant_id, lock=True)
    check_transition(participant.phase, to_phase)
    now = datetime.now(timezone.utc)
    session.add(PhaseChange(participant_id=participant.id, from_phase=participant.phase,
                            to_phase=to_phase, changed_by=actor, changed_at=now))
    emit(PhaseChanged(participant_id=participant.id, from_phase=participant.phase,
                      to_phase=to_phase, changed_by=actor, changed_at=now))
    participant.phase = to_phase
    return participant


def describe(participant: Participant, vault: PiiVault | None = None) -> dict:
    """A participant as the API shows it; personal data only when a vault is given."""
    view = {
        "participant_id": participant.id, "gender": participant.gender,
        "district": participant.district, "languages": participant.languages,
        "livelihood_interest": participant.livelihood_interest,
        "clearance_reference": participant.clearance_reference, "phase": participant.phase,
        "consent_active": participant.consent_active,
        "consent_given_on": participant.consent_given_on.isoformat(),
    }
    if vault is not None:
        view["personal"] = vault.open(participant.pii)
    return view

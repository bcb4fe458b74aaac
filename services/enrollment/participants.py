"""Enrolling participants (with duplicate detection), finding them, describing them."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment import duplicates
from services.enrollment.models import CohortMember, ConsentRecord, HeldEnrollment, Participant
from services.enrollment.pii import BlindIndex, BlindKeys, PiiVault
from services.enrollment.schemas import EnrollParticipant, ParticipantQuery
from shared.contracts import ParticipantEnrolled
from shared.errors import UnknownParticipant
from shared.ids import unused_id

CREATED, POSSIBLE_DUPLICATE, ALREADY_ENROLLED, ALREADY_HELD = (
    "CREATED", "POSSIBLE_DUPLICATE", "ALREADY_ENROLLED", "ALREADY_HELD")


@dataclass
class Outcome:
    status: str
    participant_id: str | None = None
    held_id: str | None = None
    candidates: list = field(default_factory=list)

    def as_dict(self) -> dict:
        view = {"status": self.status, "participant_id": self.participant_id}
        if self.held_id:
            view["held_id"] = self.held_id
        if self.candidates:
            view["candidates"] = [c.as_dict() for c in self.candidates]
        return view


def _now() -> datetime:
    return datetime.now(timezone.utc)


def blind_keys(index: BlindIndex, command: EnrollParticipant) -> BlindKeys:
    return index.keys(command.national_id, command.phone, command.full_name, command.date_of_birth)


def create(session: Session, vault: PiiVault, keys: BlindKeys, command: EnrollParticipant,
           actor: str, emit) -> Participant:
    """Create the participant and announce them (pseudonymous facts only)."""
    participant = Participant(
        id=unused_id(session, Participant, "P-"),
        pii=vault.seal({"full_name": command.full_name, "phone": command.phone,
                        "national_id": command.national_id,
                        "date_of_birth": command.date_of_birth.isoformat()}),
        national_id_key=keys.national_id, phone_key=keys.phone, name_dob_key=keys.name_dob,
        gender=command.gender, district=command.district, languages=command.languages,
        livelihood_interest=command.livelihood_interest,
        clearance_reference=command.clearance_reference, phase="ENTRY_ASSESSMENT",
        consent_active=True, consent_given_on=command.consent.given_on,
        consent_recorded_by=actor, enrolled_by=actor, enrolled_at=_now())
    session.add(participant)
    session.flush()
    session.add(ConsentRecord(participant_id=participant.id, kind="GIVEN", effective_on=command.consent.given_on,
                              recorded_by=actor, recorded_at=participant.enrolled_at))
    emit(ParticipantEnrolled(
        participant_id=participant.id, district=participant.district, gender=participant.gender,
        languages=participant.languages, livelihood_interest=participant.livelihood_interest,
        phase=participant.phase, consent_active=True, enrolled_on=participant.enrolled_at.date()))
    return participant


def hold(session: Session, vault: PiiVault, keys: BlindKeys, command: EnrollParticipant, actor: str,
         matches: list) -> HeldEnrollment:
    held = HeldEnrollment(
        id=unused_id(session, HeldEnrollment, "H-"), sealed_command=vault.seal(command.model_dump(mode="json")),
        national_id_key=keys.national_id, phone_key=keys.phone, name_dob_key=keys.name_dob,
        district=command.district, candidates=[c.as_dict() for c in matches], status="HELD",
        held_by=actor, held_at=_now())
    session.add(held)
    session.flush()
    return held


def enroll(session: Session, vault: PiiVault, index: BlindIndex, command: EnrollParticipant,
           actor: str, emit) -> Outcome:
    """Create, recognise an exact re-submission, or hold a possible duplicate."""
    keys = blind_keys(index, command)
    matches = duplicates.candidates(session, keys)
    exact = [c for c in matches if c.exact]
    if exact:
        return Outcome(ALREADY_ENROLLED, participant_id=exact[0].participant_id, candidates=exact)
    if matches:
        held = duplicates.already_held(session, keys)
        if held is not None:
            return Outcome(ALREADY_HELD, held_id=held.id, candidates=matches)
        return Outcome(POSSIBLE_DUPLICATE, held_id=hold(session, vault, keys, command, actor, matches).id,
                       candidates=matches)
    return Outcome(CREATED, participant_id=create(session, vault, keys, command, actor, emit).id)


def load(session: Session, participant_id: str, lock: bool = False) -> Participant:
    participant = session.get(Participant, participant_id, with_for_update=lock)
    if participant is None:
        raise UnknownParticipant(f"no participant {participant_id}")
    return participant


def search(session: Session, query: ParticipantQuery) -> list[Participant]:
    statement = select(Participant).order_by(Participant.id).limit(query.limit).offset(query.offset)
    if query.district:
        statement = statement.where(Participant.district == query.district)
    if query.phase:
        statement = statement.where(Participant.phase == query.phase)
    if query.cohort_id:
        statement = statement.join(CohortMember, CohortMember.participant_id == Participant.id).where(
            CohortMember.cohort_id == query.cohort_id)
    return list(session.scalars(statement))


def describe(participant: Participant, vault: PiiVault | None = None) -> dict:
    """A participant as the API shows it; personal data only when a vault is given."""
    view = {
        "participant_id": participant.id, "gender": participant.gender,
        "district": participant.district, "languages": participant.languages,
        "livelihood_interest": participant.livelihood_interest,
        "clearance_reference": participant.clearance_reference, "phase": participant.phase,
        "consent_active": participant.consent_active,
        "consent_given_on": participant.consent_given_on.isoformat(),
        "consent_withdrawn_on": participant.consent_withdrawn_on and participant.consent_withdrawn_on.isoformat(),
        "aftercare_started_on": participant.aftercare_started_on and participant.aftercare_started_on.isoformat(),
    }
    if vault is not None:
        view["personal"] = vault.open(participant.pii)
    return view

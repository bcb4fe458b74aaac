"""Enrolling participants (with duplicate detection), finding them, describing them."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.enrollment import duplicates, identity_claims
from services.enrollment.models import CohortMember, ConsentRecord, HeldEnrollment, Participant
from services.enrollment.pii import BlindIndex, BlindKeys, PiiVault
from services.enrollment.schemas import EnrollParticipant, ParticipantQuery
from shared.contracts import ParticipantEnrolled
from shared.errors import UnknownParticipant
from shared.ids import new_id, unused_id

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


def _fresh_ids(session: Session, count: int) -> list[str]:
    """Random participant ids not yet taken (checked in one query)."""
    ids: set[str] = set()
    while len(ids) < count:
        wanted = {new_id("P-") for _ in range(count - len(ids))} - ids
        taken = set(session.scalars(select(Participant.id).where(Participant.id.in_(wanted))))
        ids |= wanted - taken
    return sorted(ids)


def create_many(session: Session, vault: PiiVault, people: list[tuple[BlindKeys, EnrollParticipant]],
                actor: str, emit, ids: list[str] | None = None) -> list[str]:
    """Create participants (a few statements for many) and announce them with
    pseudonymous facts only."""
    ids = ids or _fresh_ids(session, len(people))
    now = _now()
    rows, consents, events = [], [], []
    for participant_id, (keys, command) in zip(ids, people):
        rows.append({
            "id": participant_id, "national_id_key": keys.national_id, "phone_key": keys.phone,
            "name_dob_key": keys.name_dob,
            "pii": vault.seal({"full_name": command.full_name, "phone": command.phone,
                               "national_id": command.national_id,
                               "date_of_birth": command.date_of_birth.isoformat(),
                               "clearance_reference": command.clearance_reference}),
            "gender": command.gender, "district": command.district, "languages": command.languages,
            "livelihood_interest": command.livelihood_interest,
            "phase": "ENTRY_ASSESSMENT", "consent_active": True, "consent_given_on": command.consent.given_on,
            "consent_recorded_by": actor, "enrolled_by": actor, "enrolled_at": now})
        consents.append({"participant_id": participant_id, "kind": "GIVEN", "effective_on": command.consent.given_on,
                         "recorded_by": actor, "recorded_at": now})
        events.append(ParticipantEnrolled(
            participant_id=participant_id, district=command.district, gender=command.gender,
            languages=command.languages, livelihood_interest=command.livelihood_interest,
            phase="ENTRY_ASSESSMENT", consent_active=True, enrolled_on=now.date(),
            birth_cohort=birth_cohort(command.date_of_birth.year)))
    if rows:
        session.execute(insert(Participant), rows)
        session.execute(insert(ConsentRecord), consents)
        emit(*events)
    return ids


def birth_cohort(year: int) -> int:
    return year - year % 5


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


def enroll_many(session: Session, vault: PiiVault, index: BlindIndex, commands: list[EnrollParticipant],
                actor: str, emit) -> list[Outcome]:
    """For each person: create, recognise an exact re-submission, or hold a possible
    duplicate (of someone known, or of someone earlier in the same batch). The same people
    enrolled at the same moment elsewhere are waited for, then seen (identity_claims)."""
    keys = [blind_keys(index, command) for command in commands]
    identity_claims.take(session, keys)
    book = duplicates.known(session, keys)
    holds = duplicates.open_holds(session, keys)
    ids = iter(_fresh_ids(session, len(commands)))
    outcomes, to_create = [], []
    for person_keys, command in zip(keys, commands):
        matches = book.candidates(person_keys)
        exact = [c for c in matches if c.exact]
        if exact:
            outcomes.append(Outcome(ALREADY_ENROLLED, participant_id=exact[0].participant_id, candidates=exact))
        elif matches and person_keys in holds:
            outcomes.append(Outcome(ALREADY_HELD, held_id=holds[person_keys], candidates=matches))
        elif matches:
            held = hold(session, vault, person_keys, command, actor, matches)
            holds[person_keys] = held.id
            outcomes.append(Outcome(POSSIBLE_DUPLICATE, held_id=held.id, candidates=matches))
        else:
            participant_id = next(ids)
            book.add(participant_id, person_keys)
            to_create.append((participant_id, person_keys, command))
            outcomes.append(Outcome(CREATED, participant_id=participant_id))
    create_many(session, vault, [(k, c) for _, k, c in to_create], actor, emit, [pid for pid, _, _ in to_create])
    return outcomes


def enroll(session: Session, vault: PiiVault, index: BlindIndex, command: EnrollParticipant,
           actor: str, emit) -> Outcome:
    [outcome] = enroll_many(session, vault, index, [command], actor, emit)
    return outcome


def load(session: Session, participant_id: str, lock: bool = False) -> Participant:
    participant = session.get(Participant, participant_id, with_for_update=lock)
    if participant is None:
        raise UnknownParticipant(f"no participant {participant_id}")
    return participant


def districts(session: Session, participant_ids: list[str]) -> dict[str, str]:
    """{participant id: district} of those ids that exist (for the gateway's district scope)."""
    return dict(session.execute(select(Participant.id, Participant.district).where(
        Participant.id.in_(set(participant_ids)))).all())


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
        "phase": participant.phase,
        "consent_active": participant.consent_active,
        "consent_given_on": participant.consent_given_on.isoformat(),
        "consent_withdrawn_on": participant.consent_withdrawn_on and participant.consent_withdrawn_on.isoformat(),
        "aftercare_started_on": participant.aftercare_started_on and participant.aftercare_started_on.isoformat(),
    }
    if vault is not None:
        view["personal"] = vault.open(participant.pii)
    return view

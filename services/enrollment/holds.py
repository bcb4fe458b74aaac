"""Possible duplicates held for an officer: link to the existing participant, or confirm
a different person (who is then enrolled). Never merged silently."""
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.enrollment import participants
from services.enrollment.models import HeldEnrollment
from services.enrollment.pii import BlindKeys, PiiVault
from services.enrollment.schemas import EnrollParticipant, ResolveHeld
from shared.errors import IllegalTransition, NotFound, ValidationFailed


def load(session: Session, held_id: str) -> HeldEnrollment:
    held = session.get(HeldEnrollment, held_id, with_for_update=True)
    if held is None:
        raise NotFound(f"no held enrollment {held_id}")
    return held


def open_holds(session: Session, district: str | None) -> list[HeldEnrollment]:
    statement = select(HeldEnrollment).where(HeldEnrollment.status == "HELD").order_by(HeldEnrollment.held_at)
    if district:
        statement = statement.where(HeldEnrollment.district == district)
    return list(session.scalars(statement))


def resolve(session: Session, vault: PiiVault, held_id: str, command: ResolveHeld, actor: str, emit) -> dict:
    held = load(session, held_id)
    if held.status != "HELD":
        raise IllegalTransition(f"{held_id} was already resolved ({held.status})")
    if command.decision == "LINK":
        if command.participant_id not in {c["participant_id"] for c in held.candidates}:
            raise ValidationFailed(f"{command.participant_id} is not one of the candidates of {held_id}")
        held.status, held.participant_id = "LINKED", command.participant_id
    else:
        keys = BlindKeys(held.national_id_key, held.phone_key, held.name_dob_key)
        enrollment = EnrollParticipant.model_validate(vault.open(held.sealed_command))
        held.status = "DIFFERENT"
        [held.participant_id] = participants.create_many(session, vault, [(keys, enrollment)], actor, emit)
    held.resolved_by, held.resolved_at = actor, datetime.now(timezone.utc)
    return describe(held)


def describe(held: HeldEnrollment, vault: PiiVault | None = None, session: Session | None = None,
             viewer_district: str | None = None) -> dict:
    """A hold; with the vault, the personal data an officer compares to decide. A candidate
    enrolled in another district than the viewer's is shown by id, district and what matched,
    never with their personal data: the viewer may not see that person."""
    view = {"held_id": held.id, "status": held.status, "district": held.district,
            "candidates": held.candidates, "participant_id": held.participant_id,
            "held_by": held.held_by, "held_at": held.held_at.isoformat()}
    if vault is not None:
        submitted = vault.open(held.sealed_command)
        view["personal"] = {k: submitted[k] for k in ("full_name", "phone", "national_id", "date_of_birth")}
        view["candidates"] = [_candidate(session, vault, c, viewer_district) for c in held.candidates]
    return view


def _candidate(session: Session, vault: PiiVault, candidate: dict, viewer_district: str | None) -> dict:
    participant = participants.load(session, candidate["participant_id"])
    visible = viewer_district is None or participant.district == viewer_district
    return {**candidate, "district": participant.district,
            "personal": vault.open(participant.pii) if visible else None}

"""Grant programmes: donor, currency, amount, approval tier, conditions and allowance as data."""
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods.conditions import parse_conditions
from services.livelihoods.models import Programme
from services.livelihoods.schemas import CreateProgramme
from shared.contracts import ProgrammeCreated
from shared.errors import Conflict, UnknownProgramme


def create(session: Session, command: CreateProgramme, actor: str, emit) -> Programme:
    parse_conditions(command.conditions)
    for tranche in command.tranches:
        if tranche.conditions:
            parse_conditions(tranche.conditions)
    if command.allowance and command.allowance.conditions:
        parse_conditions(command.allowance.conditions)
    if session.get(Programme, command.code) is not None:
        raise Conflict(f"programme {command.code} already exists")
    programme = Programme(**{**command.model_dump(), **command.model_dump(
        mode="json", include={"tranches", "approval_tiers", "allowance"})}, created_by=actor, created_at=datetime.now(timezone.utc))
    session.add(programme)
    emit(ProgrammeCreated(programme=programme.code, donor=programme.donor, currency=programme.currency))
    return programme


def load(session: Session, code: str) -> Programme:
    programme = session.get(Programme, code)
    if programme is None:
        raise UnknownProgramme(f"no programme {code}")
    return programme


def all_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.code)))


def describe(programme: Programme) -> dict:
    return {"code": programme.code, "name": programme.name, "donor": programme.donor,
            "currency": programme.currency, "grant_amount": str(programme.grant_amount),
            "budget": str(programme.budget), "conditions": programme.conditions,
            "tranches": programme.tranches, "approval_tiers": programme.approval_tiers, "allowance": programme.allowance,
            "starts_on": programme.starts_on.isoformat()}

"""Two approvers at the same moment, on PostgreSQL: exactly one wins, the other gets a
typed conflict, and the application is approved once."""
from datetime import date

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods import grants, programmes, projections
from services.livelihoods.models import Base, GrantDecision
from services.livelihoods.schemas import CreateApplication, CreateProgramme
from shared.contracts import ParticipantEnrolled
from shared.db import make_engine
from shared.errors import ConcurrentUpdate
from shared.store import UnitOfWork
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command


@pytest.fixture
def engine(postgres_urls):
    engine = make_engine(postgres_urls["livelihoods"])
    yield engine
    engine.dispose()


def submitted(engine) -> str:
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            programmes.create(session, parse(CreateProgramme, programme_command([{"type": "consent_active"}])),
                              "admin", [].append)
            projections.participant_enrolled(session, ParticipantEnrolled(
                participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"],
                phase="EXIT_ASSESSMENT", consent_active=True, enrolled_on=date(2026, 9, 1)))
        fund(session)
        with session.begin():
            gid = grants.create(session, parse(CreateApplication, {
                "programme": "LG-2026", "participant_id": "P-7K3M9Q", "amount": "300.00", "currency": "USD",
                "business_plan": PLAN}), "officer-a").id
        with session.begin():
            grants.submit(session, gid, "officer-a")
    return gid


def approve_slowly(engine, gid: str, approver: str) -> str:
    """Approve as the service does, holding the transaction open so both overlap."""
    unit = UnitOfWork(engine, Base.metadata, "livelihoods")
    try:
        with unit.transaction() as session:
            grants.approve(session, gid, approver, "officer")
            eventlet.sleep(0.3)
        return "approved"
    except ConcurrentUpdate:
        return "conflict"
    finally:
        unit.close()


def test_two_concurrent_approvals_exactly_one_wins(engine):
    gid = submitted(engine)
    racers = [eventlet.spawn(approve_slowly, engine, gid, name) for name in ("officer-b", "officer-c")]
    assert sorted(racer.wait() for racer in racers) == ["approved", "conflict"]
    with Session(engine) as session:
        assert grants.load(session, gid).status == "APPROVED"
        assert session.scalar(select(func.count()).select_from(GrantDecision).where(
            GrantDecision.application_id == gid, GrantDecision.action == "APPROVE")) == 1

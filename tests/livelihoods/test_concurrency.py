"""Two people doing the same thing at the same moment, on PostgreSQL: exactly one wins, the
other gets a typed conflict (a 409 at the gateway) that says what happened, and nothing is
paid twice. Each racer is a green thread with its own unit of work, as the service's
workers are (tests/races.py)."""
import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods import allowances, grants, programmes, projections, tranches
from services.livelihoods.models import (AllowanceCycle, AllowanceEntitlement, Base, Disbursement, GrantApplication,
                                         GrantDecision)
from services.livelihoods.schemas import CreateApplication, CreateProgramme, PrepareCycle
from services.livelihoods.service import RACES
from shared.contracts import ParticipantEnrolled
from shared.db import make_engine
from shared.errors import ConcurrentUpdate
from shared.store import UnitOfWork
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command
from tests.races import one_won, race_in

PARTICIPANTS = ("P-7K3M9Q", "P-7K3M9R", "P-7K3M9S")
OUTBOX = Base.metadata.tables["outbox"]


@pytest.fixture
def engine(postgres_urls):
    engine = make_engine(postgres_urls["livelihoods"])
    yield engine
    engine.dispose()


@pytest.fixture
def programme(engine):
    """A funded programme with a monthly allowance and three participants in aftercare."""
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            programmes.create(session, parse(CreateProgramme, programme_command(
                [{"type": "consent_active"}], allowance={"amount": "40.00", "phases": ["AFTERCARE"]},
                starts_on="2026-09-01")), "admin", [].append)
            for pid in PARTICIPANTS:
                projections.participant_enrolled(session, ParticipantEnrolled(
                    participant_id=pid, district="Kismayo", gender="F", languages=["so"], phase="AFTERCARE",
                    consent_active=True, enrolled_on=date(2026, 10, 1)))
        fund(session)
    return "LG-2026"


def in_session(engine, function):
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            return function(session)


def race(engine, *actions) -> list:
    return race_in(lambda: UnitOfWork(engine, Base.metadata, "livelihoods", RACES), *actions)


def count(engine, statement) -> int:
    return in_session(engine, lambda session: session.scalar(select(func.count()).select_from(statement)))


def requested(engine) -> int:
    """Disbursement commands written for the ledger, single or in chunks: one per payment, never two."""
    bodies = in_session(engine, lambda session: session.scalars(
        select(OUTBOX.c.body).where(OUTBOX.c.event_type == "disbursement.requested")).all())
    return sum(len(payload.get("items", [payload])) for payload in (json.loads(b)["payload"] for b in bodies))


def submitted(engine, programme) -> str:
    def draft(session):
        return grants.create(session, parse(CreateApplication, {
            "programme": programme, "participant_id": PARTICIPANTS[0], "amount": "300.00", "currency": "USD",
            "business_plan": PLAN}), "officer-a").id
    gid = in_session(engine, draft)
    in_session(engine, lambda session: grants.submit(session, gid, "officer-a"))
    return gid


def test_two_approvals_at_once(engine, programme):
    gid = submitted(engine, programme)
    lost = one_won(race(engine, *(lambda s, _e, who=who: grants.approve(s, gid, who, "officer")
                                  for who in ("officer-b", "officer-c"))))
    assert isinstance(lost, ConcurrentUpdate)
    assert in_session(engine, lambda s: grants.load(s, gid).status) == "APPROVED"
    assert count(engine, select(GrantDecision).where(GrantDecision.application_id == gid,
                                                     GrantDecision.action == "APPROVE").subquery()) == 1


def test_two_releases_of_a_tranche_at_once(engine, programme):
    gid = submitted(engine, programme)
    in_session(engine, lambda s: grants.approve(s, gid, "officer-b", "officer"))
    lost = one_won(race(engine, *(lambda s, emit: tranches.release(s, gid, "finance-a", emit),
                                  lambda s, emit: tranches.release(s, gid, "finance-b", emit))))
    assert str(lost) == f"a tranche of {gid} is already being paid"
    assert count(engine, select(Disbursement).subquery()) == 1 and requested(engine) == 1
    assert in_session(engine, lambda s: s.get(GrantApplication, gid).status) == "DISBURSING"


def test_a_unique_key_taken_at_the_same_moment_is_a_conflict_that_says_so(engine, programme):
    """What the tranche release did before it queued on the application: both inserts reach
    the database (the loser's at an autoflush) and its unique key refuses the second."""
    gid = submitted(engine, programme)

    def add_disbursement(session, _emit, disbursement_id):
        session.add(Disbursement(id=disbursement_id, application_id=gid, tranche=1, attempt=1,
                                 idempotency_key=f"grant:{gid}:t1:a1", amount=300, currency="USD",
                                 status="REQUESTED", requested_by="finance", requested_at=datetime.now(timezone.utc)))
        session.scalar(select(func.count()).select_from(Disbursement))  # autoflush, as describe() does
    lost = one_won(race(engine, lambda s, e: add_disbursement(s, e, "D-RACE0001"),
                        lambda s, e: add_disbursement(s, e, "D-RACE0002")))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost).startswith("this tranche was released by someone else at the same moment")


def prepared_cycle(engine, programme, actor="finance-a") -> str:
    return in_session(engine, lambda s: allowances.prepare(
        s, PrepareCycle(programme=programme, month="2026-11"), actor, date(2026, 11, 20), 5).id)


def test_two_preparations_of_a_month_at_once(engine, programme):
    def prepare(actor):
        return lambda s, _emit: allowances.prepare(s, PrepareCycle(programme=programme, month="2026-11"), actor,
                                                   date(2026, 11, 20), 5)
    lost = one_won(race(engine, prepare("finance-a"), prepare("finance-c")))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost).startswith("someone else prepared the same participants' allowances for this month")
    assert count(engine, select(AllowanceCycle).subquery()) == 1
    assert count(engine, select(AllowanceEntitlement).subquery()) == len(PARTICIPANTS)


def test_two_releases_of_a_cycle_at_once(engine, programme):
    cycle_id = prepared_cycle(engine, programme)
    lost = one_won(race(engine, *(lambda s, emit, who=who: allowances.release(s, cycle_id, who, emit)
                                  for who in ("finance-b", "finance-c"))))
    assert str(lost) == f"cycle {cycle_id} is already released and no payment to re-send failed"
    assert requested(engine) == len(PARTICIPANTS)


def test_the_same_month_in_two_cycles_is_refused_by_the_database(engine, programme):
    prepared_cycle(engine, programme)
    unit = UnitOfWork(engine, Base.metadata, "livelihoods", RACES)
    with pytest.raises(ConcurrentUpdate, match="someone else prepared the same participants' allowances"):
        with unit.transaction() as session:
            session.add(AllowanceCycle(id="AC-SECOND1", programme=programme, month="2026-11", status="PREPARED",
                                       prepared_by="finance-c", prepared_at=datetime.now(timezone.utc)))
            session.add(AllowanceEntitlement(programme=programme, month="2026-11", participant_id=PARTICIPANTS[0],
                                             cycle_id="AC-SECOND1"))
    unit.close()
    assert count(engine, select(AllowanceEntitlement).subquery()) == len(PARTICIPANTS)

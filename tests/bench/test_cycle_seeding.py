"""The cycle benchmark's seeding, on migrated SQLite databases (no broker): the same
participants in enrollment and livelihoods, each one a verified payee as enrollment's
`resolve_payees` answers the payment adapter, paid at a number the provider accepts."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.allowance_cycle import insert_participants
from bench.running_suite import configuration
from services.enrollment.models import Participant
from services.enrollment.payment_accounts import resolve
from services.enrollment.pii import PiiVault
from services.livelihoods.models import ParticipantFacts
from services.provider.parsing import name_check
from shared.config import load
from shared.db import make_engine
from shared.messaging_tables import outbox_table
from shared.migrations import upgrade
from shared.payees import MOBILE_MONEY

N = 20
SINCE = datetime(2026, 11, 1, tzinfo=timezone.utc)
IDS = [f"P-{i:06X}" for i in range(N)]


@pytest.fixture
def seeded(tmp_path):
    """What `insert_participants` reads of a running suite: its configuration copy (payees
    resolved through enrollment) and its databases."""
    configuration(tmp_path, synthetic_payees=False)
    urls = {name: f"sqlite:///{tmp_path}/{name}.db" for name in ("enrollment", "livelihoods")}
    for name, url in urls.items():
        upgrade(name, url)
    insert_participants(SimpleNamespace(folder=tmp_path, database=urls.__getitem__), N, SINCE)
    engines = {name: make_engine(url) for name, url in urls.items()}
    yield engines, PiiVault(load(tmp_path / "ddrr.yaml")["ENROLLMENT"]["pii_key"])
    for engine in engines.values():
        engine.dispose()


def test_every_participant_resolves_to_a_verified_mobile_money_account(seeded):
    engines, vault = seeded
    with Session(engines["enrollment"]) as session:
        payees = resolve(session, vault, IDS)
        names = {p.id: vault.open(p.pii)["full_name"] for p in session.scalars(select(Participant))}
    assert all(payees[pid]["verified"] and payees[pid]["kind"] == MOBILE_MONEY for pid in IDS), payees
    assert len({payee["msisdn"] for payee in payees.values()}) == N
    for pid in IDS:  # the provider's payments and name check take the number
        assert name_check({"msisdn": payees[pid]["msisdn"], "name": names[pid]})[0] == payees[pid]["msisdn"][1:]


def test_enrollment_and_livelihoods_hold_the_same_people_in_aftercare(seeded):
    engines, _ = seeded
    with Session(engines["enrollment"]) as session:
        people = list(session.scalars(select(Participant).order_by(Participant.id)))
        events = session.scalar(select(func.count()).select_from(outbox_table()))
    with Session(engines["livelihoods"]) as session:
        facts = list(session.scalars(select(ParticipantFacts.participant_id).order_by(ParticipantFacts.participant_id)))
    assert [p.id for p in people] == facts == IDS
    assert {(p.phase, p.aftercare_started_on) for p in people} == {("AFTERCARE", SINCE.date())}
    for key in ("national_id_key", "phone_key", "name_dob_key"):  # distinct people, no duplicate to hold
        assert len({getattr(p, key) for p in people}) == N
    assert events == 0  # livelihoods is seeded directly: no enrollment event announces them

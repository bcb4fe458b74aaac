"""A payment cycle's totals by status, counted and summed from the ledger's index."""
from datetime import date, datetime, timezone
from itertools import count
from decimal import Decimal

import pytest
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from services.ledger.models import Posting
from services.ledger.reports.from_index import cycle_totals
from shared.db import make_engine
from shared.errors import ValidationFailed
from tests.databases import migrated_sqlite_file

NUMBERS = count()


@pytest.fixture
def session(tmp_path):
    url = migrated_sqlite_file("ledger", tmp_path / "ledger.db")
    engine = make_engine(url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def add(session, n, cycle, status, amount="40.00", currency="USD"):
    session.execute(insert(Posting), [{
        "idempotency_key": f"k-{number}", "request_hash": "h", "disbursement_id": f"A-{number:06d}",
        "participant_id": f"P-{i:06d}", "programme": "SP-2026", "amount": Decimal(amount), "currency": currency,
        "status": status, "cycle": cycle, "day": date(2026, 11, 30), "posted_at": datetime.now(timezone.utc)}
        for i, number in zip(range(n), NUMBERS)])


def test_counts_and_amounts_by_status_of_one_cycle_only(session):
    add(session, 3, "AC-1", "PAID")
    add(session, 2, "AC-1", "FAILED")
    add(session, 1, "AC-1", "REVERSED", "25.50")
    add(session, 4, "AC-2", "PAID")
    assert cycle_totals(session, "AC-1") == {"cycle": "AC-1", "currency": "USD", "by_status": {
        "PAID": {"count": 3, "amount": "120.00"}, "FAILED": {"count": 2, "amount": "80.00"},
        "REVERSED": {"count": 1, "amount": "25.50"}, "HELD": {"count": 0, "amount": "0.00"}}}


def test_a_cycle_the_ledger_does_not_know_is_all_zero(session):
    totals = cycle_totals(session, "AC-9")
    assert totals["currency"] is None
    assert {s: g["count"] for s, g in totals["by_status"].items()} == {"PAID": 0, "FAILED": 0, "REVERSED": 0, "HELD": 0}


def test_two_currencies_in_one_cycle_are_refused(session):
    add(session, 1, "AC-1", "PAID")
    add(session, 1, "AC-1", "FAILED", currency="KES")
    with pytest.raises(ValidationFailed):
        cycle_totals(session, "AC-1")


def test_answered_from_the_cycle_index(session):
    plan = " ".join(row[3] for row in session.execute(text(
        "EXPLAIN QUERY PLAN SELECT status, currency, count(*), sum(amount) FROM postings "
        "WHERE cycle = 'AC-1' AND status IN ('PAID', 'FAILED', 'REVERSED', 'HELD') GROUP BY status, currency")))
    assert "INDEX ix_postings_cycle" in plan

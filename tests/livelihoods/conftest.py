"""A livelihoods database (SQLite, migrated) for the rules, no broker."""
from datetime import date

import pytest
from sqlalchemy.orm import Session

from services.livelihoods import budget
from shared.contracts import FundingReceived
from shared.db import make_engine
from tests.databases import migrated_sqlite_file

PLAN = {"summary": "A tailoring stall in the market", "trade": "tailoring",
        "budget_lines": [{"item": "sewing machine", "amount": "300.00"}]}


@pytest.fixture
def session(tmp_path):
    url = migrated_sqlite_file("livelihoods", tmp_path / "livelihoods.db")
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def programme_command(conditions, **overrides) -> dict:
    """A programme: one tranche and one officer approval unless the test says otherwise."""
    return {"code": "LG-2026", "name": "Grants", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
            "budget": "100000.00", "conditions": conditions, **overrides}


def fund(session, amount="100000.00", reference="MDTF-1"):
    """Donor money as the ledger would announce it."""
    with session.begin():
        budget.funding_received(session, FundingReceived(programme="LG-2026", donor="MDTF", amount=amount,
                                                         currency="USD", reference=reference,
                                                         received_on=date(2026, 11, 1)))

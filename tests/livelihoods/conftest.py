"""A livelihoods database (SQLite, migrated) for the rules, no broker."""
import pytest
from sqlalchemy.orm import Session

from shared.db import make_engine
from shared.migrations import upgrade

PLAN = {"summary": "A tailoring stall in the market", "trade": "tailoring",
        "budget_lines": [{"item": "sewing machine", "amount": "300.00"}]}


@pytest.fixture
def session(tmp_path):
    url = f"sqlite:///{tmp_path}/livelihoods.db"
    upgrade("livelihoods", url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()

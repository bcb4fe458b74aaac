"""An enrollment database (SQLite, or PostgreSQL for races) with the rules' collaborators, no broker."""
from datetime import date

import pytest
from sqlalchemy.orm import Session

from services.enrollment import participants
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import EnrollParticipant
from services.enrollment.service import RACES
from shared.config import load
from shared.db import make_engine
from shared.db_conflicts import transaction
from shared.validation import parse
from tests.databases import migrated_sqlite_file
from tests.races import migrated_postgres

PERSON = {"full_name": "Amina Hassan Warsame", "phone": "+252 61 555 0101", "national_id": "SO-1987-554433",
          "date_of_birth": "1999-04-12", "gender": "F", "district": "Kismayo", "languages": ["so"],
          "livelihood_interest": "tailoring", "clearance_reference": "NSC-2026-0412",
          "consent": {"given_on": "2026-09-01"}}
TODAY = date(2026, 11, 23)


class Desk:
    """What an officer's request reaches: a session, the keys, and the events emitted."""

    def __init__(self, engine):
        settings = load()["ENROLLMENT"]
        self.session = Session(engine, expire_on_commit=False)
        self.vault = PiiVault(settings["pii_key"])
        self.index = BlindIndex(settings["blind_index_key"])
        self.events = []

    def emit(self, *events):
        self.events.extend(events)

    def transaction(self):
        return transaction(self.session, RACES)

    def enroll(self, **changes):
        with self.transaction():
            return participants.enroll(self.session, self.vault, self.index,
                                       parse(EnrollParticipant, {**PERSON, **changes}), "officer-a", self.emit)

    def do(self, function, *args):
        with self.transaction():
            return function(self.session, *args)

    def emitted(self, event_type):
        return [e for e in self.events if e.event_type == event_type]


@pytest.fixture
def db_url(tmp_path):
    url = migrated_sqlite_file("enrollment", tmp_path / "enrollment.db")
    return url


@pytest.fixture
def desk(db_url):
    engine = make_engine(db_url)
    desk = Desk(engine)
    yield desk
    desk.session.close()
    engine.dispose()


@pytest.fixture
def postgres_engine():
    """A throw-away PostgreSQL enrollment database, for a race test."""
    with migrated_postgres("enrollment") as engine:
        yield engine

"""Two people doing the same thing at the same moment: each racer is a green thread with its
own unit of work, as the services' workers are, holding its transaction open a moment so
the two overlap."""
import uuid
from contextlib import contextmanager

import eventlet
from sqlalchemy import create_engine, text

from shared.db import make_engine
from shared.errors import Conflict
from shared.migrations import upgrade
from tests.conftest import PG_ADMIN_URL


def race_in(new_unit, *actions) -> list:
    """Run `action(session, emit)` at once in units from `new_unit()`; 'won', or the conflict raised."""
    def run(action):
        unit = new_unit()
        try:
            with unit.transaction() as session:
                action(session, unit.emit)
                eventlet.sleep(0.3)
            return "won"
        except Conflict as conflict:
            return conflict
        finally:
            unit.close()
    racers = [eventlet.spawn(run, action) for action in actions]
    return [racer.wait() for racer in racers]


def one_won(outcomes: list) -> Conflict:
    """Exactly one racer won; the other's conflict."""
    assert sorted(map(str, outcomes)).count("won") == 1, outcomes
    [lost] = [o for o in outcomes if o != "won"]
    return lost


@contextmanager
def migrated_postgres(service: str):
    """An engine on a throw-away PostgreSQL database of one service, migrated: quicker than
    every service's (`postgres_urls`) when a race test needs one database only."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ddrr_test_{service}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(service, f"postgresql://postgres@127.0.0.1:5432/{name}")
    engine = make_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

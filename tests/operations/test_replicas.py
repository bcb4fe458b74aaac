"""Replicas: concurrent start-up migrations take turns (and collide without the lock on
PostgreSQL), and two outbox relays over one PostgreSQL outbox hand every event to a consumer
once (without `SKIP LOCKED` in their claim, some 100 of 500 rows went out twice)."""
import subprocess
import sys

import eventlet
import pytest
from kombu import Connection, Queue
from sqlalchemy import text

from bench.running_suite import drop, fresh_database
from services.enrollment.models import Base
from shared.db import make_engine
from shared.migrations import upgrade
from shared.outbox import Relay, event_exchange, write_events
from tests.integration.test_outbox import EVENT

OUTBOX = Base.metadata.tables["outbox"]
# Each process imports, says so, and migrates when told: both start at the same moment. "bare"
# runs Alembic's upgrade without the lock `upgrade()` holds.
MIGRATE = """
import sys
from alembic import command
from shared.migrations import alembic_config, upgrade
url, how = sys.argv[1:]
print("ready", flush=True)
sys.stdin.readline()
upgrade("livelihoods", url) if how == "locked" else command.upgrade(alembic_config("livelihoods", url), "head")
"""


def migrate_together(url: str, how: str) -> list[tuple[int, str]]:
    """Two processes migrating one fresh database at once: each one's exit code and stderr."""
    starts = [subprocess.Popen([sys.executable, "-c", MIGRATE, url, how], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for start in starts:
        assert start.stdout.readline() == "ready\n"
    for start in starts:
        start.stdin.write("go\n")
        start.stdin.close()
    return [(start.wait(120), start.stderr.read()) for start in starts]


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_two_concurrent_start_up_migrations_take_turns(tmp_path, database):
    """On PostgreSQL an advisory lock, beside a SQLite file a file lock (without it, two
    SQLite starts collide most of the time, not reliably enough for a test)."""
    url = fresh_database() if database == "postgresql" else f"sqlite:///{tmp_path}/livelihoods.db"
    try:
        outcomes = migrate_together(url, "locked")
        assert [code for code, _ in outcomes] == [0, 0], outcomes
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        engine.dispose()
    finally:
        if database == "postgresql":
            drop(url)


def test_without_the_lock_concurrent_migrations_collide():
    """What the lock prevents: both create the same tables, and one start fails."""
    url = fresh_database()
    try:
        outcomes = migrate_together(url, "bare")
        assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
        assert "IntegrityError" in max(outcomes)[1]
    finally:
        drop(url)


def test_two_relays_hand_each_event_over_once(rabbit_config):
    url = fresh_database()
    engine = make_engine(url)
    try:
        upgrade("enrollment", url)
        with engine.begin() as conn:
            for _ in range(10):
                write_events(conn, OUTBOX, "enrollment", [EVENT] * 50)
        with Connection(rabbit_config["AMQP_URI"]) as conn:
            queue = Queue("replicas-probe", exchange=event_exchange("enrollment"), routing_key="participant.enrolled")
            queue(conn.default_channel).declare()
            relays = [Relay(engine, OUTBOX, "enrollment", rabbit_config["AMQP_URI"], batch=40) for _ in range(2)]

            def drain(relay):
                published = 0
                while (count := relay.publish_pending()):
                    published += count
                return published

            published = [thread.wait() for thread in [eventlet.spawn(drain, relay) for relay in relays]]
            received = []
            while (message := queue(conn.default_channel).get(no_ack=True)) is not None:
                received.append(message.payload["event_id"])
        assert sum(published) == 500 and all(published)  # both relays took a share
        assert len(received) == 500 and len(set(received)) == 500
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar() == 0
    finally:
        engine.dispose()
        drop(url)

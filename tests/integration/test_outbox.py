"""The outbox relay against the real RabbitMQ: confirmed and `mandatory`, so an event no
queue would receive stays pending and is retried instead of vanishing."""
from datetime import date, datetime, timezone

import pytest
from kombu import Connection, Queue
from sqlalchemy import select, update

from services.enrollment.models import Base
from shared.contracts import ParticipantEnrolled
from shared.db import make_engine
from shared.lost_connection import CONNECTION_ERRORS
from shared.outbox import Relay, event_exchange, write_events

OUTBOX = Base.metadata.tables["outbox"]
EVENT = ParticipantEnrolled(participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"],
                            phase="ENTRY_ASSESSMENT", consent_active=True, enrolled_on=date(2026, 9, 1))


@pytest.fixture
def engine(base_config):
    engine = make_engine(base_config["DATABASES"]["enrollment"])
    with engine.begin() as conn:
        write_events(conn, OUTBOX, "enrollment", [EVENT])
    yield engine
    engine.dispose()


def row(engine):
    with engine.connect() as conn:
        return conn.execute(select(OUTBOX)).one()


def make_due(engine):
    with engine.begin() as conn:
        conn.execute(update(OUTBOX).values(next_attempt_at=datetime.now(timezone.utc)))


def test_unroutable_event_stays_pending_until_a_queue_is_bound(engine, rabbit_config):
    relay = Relay(engine, OUTBOX, "enrollment", rabbit_config["AMQP_URI"])
    assert relay.publish_pending() == 0
    pending = row(engine)
    assert pending.published_at is None and pending.attempts == 1 and "Undeliverable" in pending.last_error

    with Connection(rabbit_config["AMQP_URI"]) as conn:
        queue = Queue("probe", exchange=event_exchange("enrollment"), routing_key="participant.enrolled")
        queue(conn.default_channel).declare()
        make_due(engine)
        assert relay.publish_pending() == 1
        message = queue(conn.default_channel).get(no_ack=True)
    assert message.payload["event_id"] == pending.event_id
    assert message.payload["payload"]["participant_id"] == "P-7K3M9Q"
    assert row(engine).published_at is not None
    assert relay.publish_pending() == 0  # nothing published twice


def test_an_unreachable_broker_ends_the_pass_and_holds_no_row_back(engine):
    relay = Relay(engine, OUTBOX, "enrollment", "amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(CONNECTION_ERRORS):
        relay.publish_pending()
    pending = row(engine)
    assert (pending.attempts, pending.published_at) == (0, None)  # due again as soon as the broker answers

"""`Store`: a nameko dependency giving each worker its service's database, outbox and inbox.

A worker gets a `UnitOfWork`: a SQLAlchemy 2 session, `transaction()` where a race lost to
the database is a typed conflict (shared/db_conflicts.py), `emit()` to write an event in the
same transaction as the state change, and `apply_once()` to run an event handler at most
once per event id (the inbox row is written in the handler's own transaction).
"""
import logging
from datetime import datetime, timezone
from weakref import WeakKeyDictionary

from nameko.extensions import DependencyProvider
from sqlalchemy import MetaData, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.config import database_url
from shared.db import make_engine
from shared.db_conflicts import transaction
from shared.events import open_envelope
from shared.outbox import Relay, write_events

log = logging.getLogger(__name__)


class _AlreadyApplied(Exception):
    pass


class UnitOfWork:
    def __init__(self, engine, metadata: MetaData, source: str, races: dict[str, str] | None = None):
        self.session = Session(engine, expire_on_commit=False)
        self._races = races or {}
        self._outbox = metadata.tables["outbox"]
        self._inbox = metadata.tables["inbox"]
        self._source = source
        self.emitted = 0

    def transaction(self):
        """`session.begin()`, where a race lost to the database (a version or a unique key) is a
        `ConcurrentUpdate` that says what happened, on PostgreSQL as on SQLite."""
        return transaction(self.session, self._races)

    def emit(self, *payloads) -> None:
        """Write events into the outbox inside the current transaction."""
        if not self.session.in_transaction():
            raise RuntimeError("emit() must run inside the state change's transaction")
        write_events(self.session.connection(), self._outbox, self._source, payloads)
        self.emitted += len(payloads)

    def apply_once(self, body: dict, consumer: str, apply) -> bool:
        """Run `apply(session, payload)` unless this consumer already applied the event.

        Returns False for a redelivery. The inbox row and the handler's changes commit
        together, so a crash leaves neither and the redelivered event is applied again. A race
        the handler loses is a `ConcurrentUpdate`, dead-lettered with what happened.
        """
        envelope, payload = open_envelope(body)
        try:
            with self.transaction():
                try:
                    self.session.execute(insert(self._inbox).values(
                        event_id=envelope.event_id, consumer=consumer,
                        event_type=envelope.type, applied_at=datetime.now(timezone.utc)))
                except IntegrityError:
                    raise _AlreadyApplied from None
                apply(self.session, payload)
        except _AlreadyApplied:
            log.info("event %s already applied by %s", envelope.event_id, consumer)
            return False
        return True

    def close(self) -> None:
        self.session.close()


class Store(DependencyProvider):
    """`races`: what the loser of a race is told, per table whose unique key it hit."""

    def __init__(self, metadata: MetaData, relay_interval: float = 1.0, races: dict[str, str] | None = None):
        self.metadata = metadata
        self.races = races or {}
        self.relay_interval = relay_interval
        self._units = WeakKeyDictionary()

    def setup(self):
        config = self.container.config
        self.engine = make_engine(database_url(config, self.container.service_name))
        self.relay = Relay(self.engine, self.metadata.tables["outbox"], self.container.service_name,
                           config["AMQP_URI"], interval=self.relay_interval)

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        self.relay.stop()
        self.engine.dispose()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        unit = UnitOfWork(self.engine, self.metadata, self.container.service_name, self.races)
        self._units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is None:
            return
        unit.close()
        if unit.emitted:
            self.relay.kick()

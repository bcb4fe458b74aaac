"""The transactional outbox and its relay.

`write_events` inserts events in the caller's transaction, so an event exists if and
only if the state change committed. The relay publishes a batch of pending rows with
publisher confirms (one wait for the batch, `confirmed_batch.py`) and `mandatory` set (a
message no queue would receive comes back as an error instead of vanishing), marks them
sent, and retries the rest with backoff. A lost broker
connection ends a pass and the next pass reconnects; no row is held back for it. Delivery
is at least once: consumers deduplicate through the inbox.

Several replicas may relay one outbox: a pass first claims its rows (one short transaction
pushing their `next_attempt_at` a lease ahead; on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
so two relays never claim one row), so a row is published twice only when its relay died
or took longer than the lease. Each row's request id goes with it as the `nameko.request_id`
header, which nameko's event handlers take into their context data (shared/request_context.py).
"""
import json
import logging
from datetime import datetime, timedelta, timezone

from eventlet.semaphore import Semaphore
from eventlet.queue import Empty, LightQueue
from kombu import Exchange
from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import Engine

from shared import request_context
from shared.confirmed_batch import ConfirmedBatch
from shared.events import Envelope, new_envelope
from shared.lost_connection import CONNECTION_ERRORS

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 60
LEASE = timedelta(seconds=60)


def event_exchange(service_name: str) -> Exchange:
    """The topic exchange nameko's `event_handler(service_name, type)` binds to."""
    return Exchange(f"{service_name}.events", type="topic", durable=True, delivery_mode=2)


def write_events(connection, outbox: Table, source: str, payloads) -> list[Envelope]:
    """Insert the events (one statement for many) in the caller's transaction, with the
    request id of the worker that writes them."""
    request_id = request_context.request_id()
    envelopes = [new_envelope(source, payload, request_id) for payload in payloads]
    now = datetime.now(timezone.utc)
    if envelopes:
        connection.execute(insert(outbox), [
            {"event_id": e.event_id, "event_type": e.type, "body": e.model_dump_json(), "created_at": now,
             "attempts": 0, "next_attempt_at": now, "request_id": request_id} for e in envelopes])
    return envelopes


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** attempts))


class Relay:
    """Publishes one service's outbox. One relay per process; several replicas share the
    rows through claims (module docstring)."""

    def __init__(self, engine: Engine, outbox: Table, service_name: str, amqp_uri: str,
                 interval: float = 1.0, batch: int = 200):
        self.engine = engine
        self.outbox = outbox
        self.exchange = event_exchange(service_name)
        self.publisher = ConfirmedBatch(amqp_uri, self.exchange)
        self.interval = interval
        self.batch = batch
        self._lock = Semaphore()
        self._wake = LightQueue()
        self._running = False

    def kick(self) -> None:
        if self._wake.qsize() == 0:
            self._wake.put(None)

    def claim(self) -> list:
        """Take up to a batch of due rows for this pass, in order."""
        now = datetime.now(timezone.utc)
        outbox = self.outbox
        due = (select(outbox.c.id).where(outbox.c.published_at.is_(None), outbox.c.next_attempt_at <= now)
               .order_by(outbox.c.id).limit(self.batch).with_for_update(skip_locked=True))
        with self.engine.begin() as conn:
            rows = conn.execute(update(outbox).where(outbox.c.id.in_(due.scalar_subquery()))
                                .values(next_attempt_at=now + LEASE)
                                .returning(outbox.c.id, outbox.c.event_type, outbox.c.body, outbox.c.attempts,
                                           outbox.c.request_id)).all()
        return sorted(rows, key=lambda row: row.id)

    def publish_pending(self) -> int:
        """Publish what is due; returns how many rows were confirmed by the broker."""
        with self._lock:
            rows, outcomes = self.claim(), {}
            try:  # a connection error ends the pass (raised): the broker is away, the rows are not at fault
                if rows:
                    self.publisher.publish([_message(row) for row in rows], outcomes)
            finally:  # what the broker confirmed before a connection broke is marked, the rest is due again
                self._settle(rows, outcomes)
            return sum(outcome is None for outcome in outcomes.values())

    def _settle(self, rows: list, outcomes: dict) -> None:
        """One commit for the batch: confirmed rows sent, refused ones retried with backoff,
        the unsettled due again now."""
        now = datetime.now(timezone.utc)
        confirmed = [row.id for n, row in enumerate(rows) if n in outcomes and outcomes[n] is None]
        unsent = [row.id for n, row in enumerate(rows) if n not in outcomes]
        with self.engine.begin() as conn:
            if confirmed:
                conn.execute(update(self.outbox).where(self.outbox.c.id.in_(confirmed)).values(published_at=now))
            if unsent:
                conn.execute(update(self.outbox).where(self.outbox.c.id.in_(unsent)).values(next_attempt_at=now))
            for n, row in enumerate(rows):
                if (refused := outcomes.get(n)) is not None:
                    log.warning("outbox event %s (%s) not confirmed, will retry: %r",
                                json.loads(row.body)["event_id"], row.event_type, refused)
                    conn.execute(update(self.outbox).where(self.outbox.c.id == row.id).values(
                        attempts=row.attempts + 1, last_error=repr(refused)[:500],
                        next_attempt_at=now + backoff(row.attempts)))

    def run(self) -> None:
        self._running = True
        while self._running:
            try:
                if self.publish_pending() >= self.batch:
                    continue  # more are waiting: no pause between full batches
            except CONNECTION_ERRORS as exc:
                log.warning("outbox relay: broker unreachable, retrying: %r", exc)
            except Exception:
                log.exception("outbox relay pass failed")
            try:
                self._wake.get(timeout=self.interval)
            except Empty:
                pass

    def stop(self) -> None:
        self._running = False
        self.kick()


def _message(row) -> tuple[dict, str, str, dict]:
    body = json.loads(row.body)
    headers = {f"nameko.{request_context.REQUEST_ID}": row.request_id} if row.request_id else {}
    return body, row.event_type, body["event_id"], headers

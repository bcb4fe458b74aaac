"""Applying many events per transaction, for a consumer that a commit per event holds back.

On SQLite each commit is an fsync: a handler applying one event per transaction settles a
few hundred a second however many workers it has (they queue on the database's write lock),
so the answers to a cycle of 100,000 payments took minutes to settle. `on_event_batch`
hands the worker the messages that arrived while the last batch ran (up to BATCH_SIZE, its
own prefetch), and `apply_batch` applies them with one inbox row each in one transaction
(one per ITEMS_PER_COMMIT items when events carry chunks). If anything in a transaction
fails, each of its events is applied alone, so only the one at fault is dead-lettered. Each
message is acked only after the commit that applied it.

A handler may name `held_faults`: faults of the machine rather than of the messages (a full
disk, an unreachable database). A batch failing with one is neither acked nor dead-lettered:
the handler keeps it, takes no new messages (one log line), tries it again with a growing
pause and goes on by itself once it succeeds (one log line).
"""
import logging
from datetime import datetime, timezone
from functools import partial

import eventlet
from eventlet.event import Event
from eventlet.queue import LightQueue
from nameko.exceptions import ContainerBeingKilled
from sqlalchemy import Table, insert, select

from shared.contracts import items_of
from shared.errors import ValidationFailed
from shared.events import open_envelope
from shared.fault_pause import FaultPause
from shared.handlers import ReliableEventHandler, ReliableQueueConsumer
from shared.store import UnitOfWork

log = logging.getLogger(__name__)
BATCH_SIZE = 500
ITEMS_PER_COMMIT = 5000  # answers per transaction when they come in chunks


class BatchQueueConsumer(ReliableQueueConsumer):
    """Its own connection, prefetching a batch (nameko's prefetches the container's max_workers)."""

    @property
    def prefetch_count(self):
        return BATCH_SIZE


class BatchedEventHandler(ReliableEventHandler):
    """An event handler whose worker takes a list of bodies and returns a result for each:
    one of `held_faults` keeps its message for the next try, another exception dead-letters
    it, anything else acks it."""
    queue_consumer = BatchQueueConsumer()
    held_faults: tuple[type[BaseException], ...] = ()

    def setup(self):
        super().setup()
        self._waiting = LightQueue()
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(self._run, identifier=f"{self.method_name} batches")

    def stop(self):
        self._stopping = True  # messages still waiting go back to the queue with the connection
        super().stop()

    def handle_message(self, body, message):
        self._waiting.put((body, message))

    def _run(self):
        kept, pause = [], FaultPause(self.method_name, log)
        while not self._stopping:
            batch = kept or [self._waiting.get()]
            while len(batch) < BATCH_SIZE and self._waiting.qsize():
                batch.append(self._waiting.get_nowait())
            done = Event()
            try:
                self.container.spawn_worker(self, ([body for body, _ in batch],), {},
                                            handle_result=partial(self._settle, batch, done))
            except ContainerBeingKilled:
                return
            kept, fault = done.wait()
            if kept:
                eventlet.sleep(pause.failed(fault, f"taking no messages, {len(kept)} held (neither acked nor dead-lettered)"))
            else:
                pause.succeeded()

    def _settle(self, batch, done, worker_ctx, result=None, exc_info=None):
        results = result if exc_info is None else [exc_info[1]] * len(batch)
        kept, fault = [], None
        try:
            for (body, message), outcome in zip(batch, results):
                if isinstance(outcome, self.held_faults):
                    kept.append((body, message))
                    fault = outcome
                elif isinstance(outcome, Exception):
                    self.handle_message_processed(message, exc_info=(type(outcome), outcome, None))
                else:
                    self.handle_message_processed(message)
        finally:
            done.send((kept, fault))  # unacked messages return to the queue if the channel broke
        return result, exc_info


on_event_batch = BatchedEventHandler.decorator


def apply_batch(unit: UnitOfWork, inbox: Table, bodies: list[dict], consumer: str, apply) -> list[bool | Exception]:
    """`unit.apply_once` for each body, a transaction for up to ITEMS_PER_COMMIT items (a
    chunk's items count one each): per body True (applied), False (already applied) or the
    exception refusing it (a malformed body is refused alone)."""
    results: list = [None] * len(bodies)
    part, items = [], 0
    for n, body in enumerate(bodies):
        try:
            envelope, payload = open_envelope(body)
        except ValidationFailed as malformed:
            results[n] = malformed
            continue
        if part and items + len(items_of(payload)) > ITEMS_PER_COMMIT:
            _apply_part(unit, inbox, part, consumer, apply, results)
            part, items = [], 0
        part.append((n, body, envelope, payload))
        items += len(items_of(payload))
    if part:
        _apply_part(unit, inbox, part, consumer, apply, results)
    return results


def _apply_part(unit: UnitOfWork, inbox: Table, part: list, consumer: str, apply, results: list) -> None:
    """One transaction for the part, with an inbox row per event; if it fails, each event alone."""
    try:
        with unit.session.begin():
            seen = set(unit.session.scalars(select(inbox.c.event_id).where(
                inbox.c.consumer == consumer, inbox.c.event_id.in_([envelope.event_id for _, _, envelope, _ in part]))))
            rows, now = [], datetime.now(timezone.utc)
            for n, _, envelope, payload in part:
                results[n] = envelope.event_id not in seen
                if results[n]:
                    seen.add(envelope.event_id)
                    rows.append({"event_id": envelope.event_id, "consumer": consumer, "event_type": envelope.type,
                                 "applied_at": now})
                    apply(unit.session, payload)
            if rows:
                unit.session.execute(insert(inbox), rows)
    except Exception as exc:
        log.warning("%s: a batch of %d events failed (%r); applying each alone", consumer, len(part), exc)
        for n, body, _, _ in part:
            results[n] = _alone(unit, body, consumer, apply)
    finally:
        unit.session.expunge_all()  # a worker may apply many parts: keep only one part's rows in memory


def _alone(unit: UnitOfWork, body: dict, consumer: str, apply) -> bool | Exception:
    try:
        return unit.apply_once(body, consumer, apply)
    except Exception as exc:
        return exc

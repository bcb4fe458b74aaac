"""Group commit: the ledger's single writer posts many disbursement events per database
transaction and per fsync.

`on_event_batch` hands the service method the messages that arrived while the previous
batch ran (up to 500, `shared.batch_events`), one batch at a time, in arrival order; nameko's own
worker per message costs about as much as a posting. `GroupCommitter.post` then, in one
transaction per `COMMANDS_PER_COMMIT` commands or so, skips events the inbox has seen, posts the rest (their transactions
written with one write and one fsync), records them in the inbox, writes their answers
to the outbox and commits. Only after that commit are the messages acked, so none is
acknowledged before its transactions are in the files and in the index. A refused or
malformed event fails only itself (its message is dead-lettered). If a batch fails as a
whole, the index is brought up to the files, as at start-up, and each event is tried alone.

An event may carry one command (`disbursement.requested` v1) or a chunk of them (v2, as a
payment cycle's release sends them): the inbox row is per event, the idempotency key per
command. A chunk is posted whole in one commit (a commit holds about `COMMANDS_PER_COMMIT`);
if one of its commands is refused, the others are posted and answered and the chunk is
dead-lettered with the refusal (replaying it posts nothing twice). The lock is let go
between two commits: a backlog of many chunks (a queue filled while the ledger was down)
would otherwise hold the whole process, its payment loop and callbacks included, until the
last of them was posted.

A fault of the machine (the disk full, an I/O error, the database unreachable, the files
found changed) is no fault of the messages: the batch is neither acked nor dead-lettered.
The writer keeps it, stops taking messages (one log line), and tries it again with a
growing pause until writing works, then goes on by itself (one log line).
"""
import logging
from datetime import datetime, timezone
from typing import NamedTuple

import eventlet
from eventlet.semaphore import Semaphore
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.errors import MACHINE_FAULTS, LedgerTampered
from services.ledger.models import Base
from services.ledger.writer.posting import PENDING, LedgerWriter, result_event
from services.ledger.rail import SimulatedRail
from services.ledger.writer.recovery import recover
from shared.contracts import DisbursementRequested, DisbursementsRequested
from shared.errors import ValidationFailed
from shared.events import Envelope, open_envelope
from shared.batch_events import BatchedEventHandler
from shared.outbox import write_events

log = logging.getLogger(__name__)
CONSUMER = "ledger.disbursement_requested"
COMMANDS_PER_COMMIT = 1000  # as many as the payment adapter sends and answers at once
INBOX, OUTBOX = Base.metadata.tables["inbox"], Base.metadata.tables["outbox"]


class WriterBatchHandler(BatchedEventHandler):
    """The writer's batches: a fault of the machine holds a batch until writing works."""
    held_faults = MACHINE_FAULTS


on_event_batch = WriterBatchHandler.decorator


class Request(NamedTuple):
    envelope: Envelope
    command: DisbursementRequested | DisbursementsRequested  # one command, or a chunk of them

    @property
    def commands(self) -> list[DisbursementRequested]:
        return list(self.command.items) if isinstance(self.command, DisbursementsRequested) else [self.command]


def _parts(valid: list[tuple[int, Request]]):
    """Consecutive runs of requests holding about `COMMANDS_PER_COMMIT`; a chunk is never split."""
    part, size = [], 0
    for item in valid:
        if part and size + len(item[1].commands) > COMMANDS_PER_COMMIT:
            yield part
            part, size = [], 0
        part.append(item)
        size += len(item[1].commands)
    if part:
        yield part


class GroupCommitter:
    def __init__(self, engine: Engine, files: LedgerFiles, rail: SimulatedRail, lock: Semaphore):
        self.engine = engine
        self.files = files
        self.rail = rail
        self.lock = lock
        self.behind = False  # the files may hold what the index does not

    def recover(self) -> list[str]:
        """Make the files whole and the index match them; the caller holds the lock."""
        with Session(self.engine) as session, session.begin():
            done = recover(session, LedgerWriter(session, self.files, self.rail),
                           lambda *events: write_events(session.connection(), OUTBOX, "ledger", events))
        self.files.inspected()
        return done

    def post(self, bodies: list[dict]) -> list[bool | Exception]:
        """Post a batch of `disbursement.requested` bodies; per body: True (posted or
        replayed), False (already applied) or the error refusing it."""
        results: list[bool | Exception] = []
        valid: list[tuple[int, Request]] = []
        for body in bodies:
            try:
                valid.append((len(results), Request(*open_envelope(body))))
                results.append(False)
            except ValidationFailed as malformed:
                results.append(malformed)
        for part in _parts(valid):
            with self.lock:
                outcomes = self._commit_or_split([request for _, request in part])
            for (n, _), result in zip(part, outcomes):
                results[n] = result
            eventlet.sleep(0)  # between commits the payment loop, the callbacks and the relay take their turn
        return results

    def failed(self, written_before: int, fault: BaseException) -> None:
        """A write failed: recover before the next one if the files changed meanwhile, ours
        or someone else's change (which the next recovery inspects, and which holds every
        write until the files are as the writer left them)."""
        self.behind = self.behind or self.files.written != written_before or isinstance(fault, LedgerTampered)

    def catch_up(self) -> None:
        """Recover, as at start-up, when an earlier write failed after the files changed;
        the caller holds the lock."""
        if self.behind:
            for line in self.recover():
                log.warning("ledger recovery: %s", line)
            self.behind = False

    def _commit_or_split(self, batch: list[Request]) -> list[bool | Exception]:
        written = self.files.written
        try:
            self.catch_up()
            return self.commit(batch) if batch else []
        except MACHINE_FAULTS as fault:
            self.failed(written, fault)
            return [fault] * len(batch)
        except Exception as failure:
            log.exception("ledger batch of %d events failed", len(batch))
            self.failed(written, failure)
            if len(batch) == 1:
                return [failure]
            return [result for request in batch for result in self._commit_or_split([request])]

    def commit(self, batch: list[Request]) -> list[bool | Exception]:
        """Post a batch in one transaction; per event: True (posted or replayed), False
        (already applied) or the error refusing it."""
        ids = [request.envelope.event_id for request in batch]
        first: dict[str, int] = {}
        for n, event_id in enumerate(ids):
            first.setdefault(event_id, n)
        results: list[bool | Exception] = [False] * len(batch)
        with Session(self.engine) as session, session.begin():
            seen = set(session.scalars(select(INBOX.c.event_id).where(
                INBOX.c.consumer == CONSUMER, INBOX.c.event_id.in_(first))))
            fresh = [n for n, event_id in enumerate(ids) if first[event_id] == n and event_id not in seen]
            outcomes = iter(LedgerWriter(session, self.files, self.rail).post_disbursements(
                [command for n in fresh for command in batch[n].commands]))
            applied, answered = [], []
            for n in fresh:
                mine = [next(outcomes) for _ in batch[n].commands]
                refused = [o for o in mine if isinstance(o, Exception)]
                answered += [o for o in mine if not isinstance(o, Exception) and o.posting.status != PENDING]
                results[n] = refused[0] if refused else True
                if results[n] is True:
                    applied.append(batch[n].envelope)
            if applied:
                now = datetime.now(timezone.utc)
                session.execute(insert(INBOX), [{"event_id": envelope.event_id, "consumer": CONSUMER,
                                                 "event_type": envelope.type, "applied_at": now}
                                                for envelope in applied])
            if answered:
                write_events(session.connection(), OUTBOX, "ledger",  # answered before: the first answer, a repeat
                             [result_event(o.posting, repeat=o.replayed) for o in answered])
        # A second copy of an event in the same batch fares as its first copy did.
        return [results[first[event_id]] if isinstance(results[first[event_id]], Exception) else results[n]
                for n, event_id in enumerate(ids)]

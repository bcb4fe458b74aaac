"""Group commit of disbursement events: each event is posted once whatever batch it lands in,
one bad event fails only itself, a batch costs one fsync, and a crash between the fsync and
the index commit (or inside the batch's write) is recovered at start-up."""
import errno
import json
from datetime import datetime, timezone
from decimal import Decimal

import eventlet
import pytest
from eventlet.semaphore import Semaphore
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.book import files as files_module
from services.ledger.writer import group_commit
from services.ledger.writer.group_commit import INBOX, OUTBOX, GroupCommitter, Request
from services.ledger.errors import WriteFault
from services.ledger.models import Posting
from services.ledger.service import LedgerService
from services.ledger.verification.verify import verify
from shared import fault_pause
from shared.db import make_engine
from shared.dead_letters import list_dead_letters
from shared.errors import IdempotencyConflict, ValidationFailed
from shared.events import new_envelope, open_envelope
from tests.ledger.test_posting import command, index_anchor, ledger_env  # noqa: F401  (the fixture)
from tests.support import event_publisher, eventually


def body(n: int, **overrides) -> dict:
    return new_envelope("livelihoods", command(
        disbursement_id=f"D-{n:08d}", idempotency_key=f"grant:G-{n}:t1:a1", reference=f"G-{n}", **overrides,
    )).model_dump(mode="json")


def count(engine, table_or_model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table_or_model))


def answers(engine) -> int:
    """The disbursement answers in the outbox, one or many per event."""
    with Session(engine) as session:
        bodies = session.scalars(select(OUTBOX.c.body).where(OUTBOX.c.event_type.like("disbursement.%")))
        return sum(len(json.loads(body)["payload"].get("items", [None])) for body in bodies)


def period_text(files) -> str:
    return files.period_file(datetime.now(timezone.utc).date()).read_text()


def checked(env) -> None:
    report = verify(str(env[1].directory), anchor=index_anchor(env[0]))
    assert report.ok, report


@pytest.fixture
def committer(ledger_env):  # noqa: F811
    engine, files, rail = ledger_env
    return GroupCommitter(engine, files, rail, Semaphore())


def test_a_batch_posts_each_event_once_with_one_fsync(ledger_env, committer, monkeypatch):  # noqa: F811
    first = body(0)
    assert committer.post([first]) == [True]  # the period file and the accounts exist from here on
    fsyncs = []
    real_fsync = files_module.os.fsync
    monkeypatch.setattr(files_module.os, "fsync", lambda fd: fsyncs.append(fd) or real_fsync(fd))
    bodies = [body(n) for n in range(1, 201)]
    again = body(5)  # the same command in another event
    conflicting = body(7, amount=Decimal("999.00"))
    malformed = {**body(300), "payload": {"amount": "-1.00"}}
    results = committer.post(bodies + [bodies[3], again, conflicting, malformed, first])

    assert results[:200] == [True] * 200
    assert results[200:202] == [False, True]  # the same event twice: applied once; the same command: replayed
    assert isinstance(results[202], IdempotencyConflict) and isinstance(results[203], ValidationFailed)
    assert results[204] is False  # applied in an earlier batch
    assert len(fsyncs) == 1
    engine = ledger_env[0]
    assert count(engine, Posting) == 201
    assert count(engine, INBOX) == 202  # the conflicting and the malformed events are not marked applied
    assert count(engine, OUTBOX) == 202  # an answer for each event applied, the replayed command's too
    assert period_text(ledger_env[1]).count('entry: "payable"') == 201
    checked(ledger_env)


def test_a_batch_that_fails_as_a_whole_is_recovered_and_retried_one_by_one(ledger_env, committer, monkeypatch):  # noqa: F811
    real_write_events = group_commit.write_events
    calls = []

    def fail_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away after the fsync")
        return real_write_events(*args)

    monkeypatch.setattr(group_commit, "write_events", fail_once)
    assert committer.post([body(n) for n in range(20)]) == [True] * 20
    engine = ledger_env[0]
    assert count(engine, Posting) == 20 and count(engine, INBOX) == 20
    assert period_text(ledger_env[1]).count('entry: "payable"') == 20
    checked(ledger_env)


def test_a_backlog_leaves_the_writer_to_others_between_its_commits(ledger_env, committer, monkeypatch):  # noqa: F811
    """A backlog arriving at once (a queue filled while the ledger was down) is posted in many
    commits; between two of them the payment loop, the callbacks and the RPCs of the same
    process get their turn and the writer's lock, instead of waiting for the whole backlog."""
    monkeypatch.setattr(group_commit, "COMMANDS_PER_COMMIT", 5)
    turns = []

    def another_writer():
        with committer.lock:
            turns.append(count(ledger_env[0], Posting))

    waiting = eventlet.spawn(another_writer)
    assert committer.post([body(n) for n in range(20)]) == [True] * 20
    waiting.wait()
    assert turns and 0 < turns[0] < 20  # it wrote between two commits of the backlog
    checked(ledger_env)


def crash_after_fsync(committer, bodies, monkeypatch):
    """Commit a batch whose index transaction is lost after its text reached the files."""
    def crash(*args):
        raise SystemExit("killed between the fsync and the index commit")

    with monkeypatch.context() as patched:
        patched.setattr(group_commit, "write_events", crash)
        with pytest.raises(SystemExit):
            committer.commit([Request(*open_envelope(b)) for b in bodies])


def test_a_batch_in_the_files_but_not_in_the_index_is_recovered_at_start(ledger_env, committer, monkeypatch):  # noqa: F811
    bodies = [body(n) for n in range(50)]
    crash_after_fsync(committer, bodies, monkeypatch)
    engine, files, rail = ledger_env
    assert count(engine, Posting) == 0
    done = GroupCommitter(engine, files, rail, Semaphore()).recover()
    assert len(done) == 50 and count(engine, Posting) == 50
    assert count(engine, OUTBOX) == 50  # each answered
    checked(ledger_env)
    before = period_text(files)
    assert committer.post(bodies) == [True] * 50  # the redelivered events: replayed, nothing written
    assert period_text(files) == before
    assert count(engine, Posting) == 50


def test_a_batch_torn_inside_its_write_is_cut_back_and_completed(ledger_env, committer, monkeypatch):  # noqa: F811
    engine, files, rail = ledger_env
    assert committer.post([body(0)]) == [True]
    path = files.period_file(datetime.now(timezone.utc).date())
    committed = path.stat().st_size
    crash_after_fsync(committer, [body(n) for n in range(1, 11)], monkeypatch)
    written = path.read_bytes()
    path.write_bytes(written[: committed + (len(written) - committed) * 5 // 8])  # the write stopped part-way

    done = GroupCommitter(engine, files, rail, Semaphore()).recover()
    assert done[0].startswith("an unfinished write")
    recovered = count(engine, Posting) - 1
    assert 0 < recovered < 10
    checked(ledger_env)
    assert committer.post([body(n) for n in range(1, 11)]) == [True] * 10  # redelivered: the rest is posted
    assert count(engine, Posting) == 11
    assert path.read_text().count('entry: "payment"') == 11  # nobody paid twice
    checked(ledger_env)


def test_many_events_at_once_through_the_service_are_posted_once_in_batches(config, container_factory, monkeypatch):
    batches = []
    real_commit = GroupCommitter.commit
    monkeypatch.setattr(GroupCommitter, "commit", lambda self, batch: batches.append(len(batch)) or
                        real_commit(self, batch))
    first = container_factory(LedgerService, config)
    first.start()  # declares the queue; the events then wait in it, as after an outage
    first.stop()
    publish = event_publisher(config["AMQP_URI"], "livelihoods")
    envelopes = [new_envelope("livelihoods", command(disbursement_id=f"D-{n:08d}", idempotency_key=f"k{n}",
                                                     reference=f"G-{n}")) for n in range(300)]
    for envelope in envelopes + envelopes[:20]:
        publish(envelope)
    container_factory(LedgerService, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    eventually(lambda: count(engine, INBOX) == 300, timeout=60)
    eventually(lambda: sum(batches) >= 320, timeout=30)
    assert count(engine, Posting) == 300
    eventually(lambda: answers(engine) == 300, timeout=60)  # the provider's answers, posted by the adapter
    assert max(batches) > 1
    report = verify(config["LEDGER"]["directory"], anchor=index_anchor(engine))
    assert report.ok and report.transactions == 600, report
    engine.dispose()


class DiskFull:
    """os.write for the ledger files that fails with ENOSPC, after writing part of what it
    was given, while `full` is set (for writes holding `only`, when given)."""

    def __init__(self, monkeypatch, only: bytes = b""):
        self.full, self.faults, self.real, self.only = False, 0, files_module.os.write, only
        monkeypatch.setattr(files_module.os, "write", self)

    def __call__(self, handle, data):
        if not self.full or self.only not in bytes(data):
            return self.real(handle, data)
        self.faults += 1
        self.real(handle, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_mid_batch_is_cut_back_kept_and_posted_once_when_space_returns(ledger_env, committer, monkeypatch):  # noqa: F811
    engine, files, rail = ledger_env
    assert committer.post([body(0)]) == [True]
    path = files.period_file(datetime.now(timezone.utc).date())
    size, disk = path.stat().st_size, DiskFull(monkeypatch)
    disk.full = True
    results = committer.post([body(n) for n in range(1, 51)])
    assert disk.faults and all(isinstance(result, WriteFault) for result in results)
    assert path.stat().st_size == size  # the half-written batch was cut back at once
    assert count(engine, Posting) == 1 and count(engine, INBOX) == 1
    assert committer.post([body(n) for n in range(1, 51)])[0].errno == errno.ENOSPC  # still full: kept again
    disk.full = False
    assert committer.post([body(n) for n in range(1, 51)]) == [True] * 50
    assert count(engine, Posting) == 51 and count(engine, OUTBOX) == 51
    assert path.read_text().count('entry: "payment"') == 51
    checked(ledger_env)


def test_through_the_service_a_full_disk_pauses_the_writer_and_it_resumes_by_itself(config, container_factory, monkeypatch):
    disk = DiskFull(monkeypatch)
    monkeypatch.setattr(fault_pause, "FIRST_PAUSE", 0.05)
    first = container_factory(LedgerService, config)
    first.start()
    first.stop()
    publish = event_publisher(config["AMQP_URI"], "livelihoods")
    disk.full = True
    for n in range(200):
        publish(new_envelope("livelihoods", command(disbursement_id=f"D-{n:08d}", idempotency_key=f"k{n}",
                                                    reference=f"G-{n}")))
    container_factory(LedgerService, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    eventually(lambda: disk.faults >= 3, timeout=30)
    assert count(engine, Posting) == 0
    disk.full = False
    eventually(lambda: count(engine, INBOX) == 200, timeout=60)
    assert count(engine, Posting) == 200 and list_dead_letters(config["AMQP_URI"]) == []
    eventually(lambda: answers(engine) == 200, timeout=60)  # the provider's answers, posted by the adapter
    report = verify(config["LEDGER"]["directory"], anchor=index_anchor(engine))
    assert report.ok and report.transactions == 400, report
    engine.dispose()


def test_a_full_disk_while_answers_are_posted_pauses_the_payment_adapter_with_one_line(config, container_factory,
                                                                                       monkeypatch, caplog):
    """The adapter's timer meets the full disk when it posts the provider's answers: it says so
    once and waits, instead of a traceback a tick, and goes on by itself."""
    disk = DiskFull(monkeypatch, only=b'entry: "payment"')  # the payables are written, the answers are not
    monkeypatch.setattr(fault_pause, "FIRST_PAUSE", 0.05)
    disk.full = True
    container_factory(LedgerService, config).start()
    publish = event_publisher(config["AMQP_URI"], "livelihoods")
    for n in range(20):
        publish(new_envelope("livelihoods", command(disbursement_id=f"D-{n:08d}", idempotency_key=f"k{n}",
                                                    reference=f"G-{n}")))
    engine = make_engine(config["DATABASES"]["ledger"])
    eventually(lambda: count(engine, Posting) == 20 and disk.faults >= 4, timeout=30)
    assert answers(engine) == 0
    disk.full = False
    eventually(lambda: answers(engine) == 20, timeout=60)
    said = [(record.levelname, record.getMessage()) for record in caplog.records
            if record.getMessage().startswith("the payment adapter")]
    assert [level for level, _ in said] == ["ERROR", "WARNING"], said
    assert "No space left on device" in said[0][1] and said[1][1].startswith("the payment adapter resumed after")
    assert not [record for record in caplog.records if "error handling worker" in record.getMessage()]
    report = verify(config["LEDGER"]["directory"], anchor=index_anchor(engine))
    assert report.ok and report.transactions == 40, report
    engine.dispose()

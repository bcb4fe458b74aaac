"""Benchmark: durable disbursement postings, (a) in-process through the group committer's
batches with the instant rail (payable and answer, inbox, one fsync per batch, outbox, one
commit per batch: the posting path alone) and (b) end to end: N disbursements waiting on the
ledger's queue (in chunks as a payment cycle's release sends them, or one event each as grant
tranches do), then the real ledger service (`ddrr serve ledger`, its own process) started in
a scratch RabbitMQ virtual host beside a real provider (`ddrr serve provider`), timed from its
first consumer to each stage's last disbursement: payable committed, sent to the provider,
answer committed (after the provider's callback), answer published to RabbitMQ (the relay's
confirm); with the CPU time each process spent and the load average."""
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from eventlet.semaphore import Semaphore
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.ledger.reports import from_index as reports
from services.ledger.book.files import LedgerFiles
from services.ledger.writer.group_commit import COMMANDS_PER_COMMIT, GroupCommitter
from services.ledger.models import KnownProgramme
from services.ledger.rail import SimulatedRail
from services.ledger.verification.verify import verify
from services.provider.process import free_port, spawn
from shared.config import DEFAULT_PATH, load
from shared.contracts import DisbursementRequested, DisbursementsRequested
from shared.db import make_engine
from shared.events import new_envelope
from shared.migrations import upgrade
from shared.outbox import event_exchange

QUEUE = "evt-livelihoods-disbursement.requested--ledger.on_disbursement_requested"


def commands(count: int, run: str) -> list[DisbursementRequested]:
    return [DisbursementRequested(
        disbursement_id=f"D-{n:08d}", idempotency_key=f"bench:{run}:{n}", participant_id="P-7K3M9Q",
        programme="LG-2026", kind="GRANT", amount=Decimal("125.00"), currency="USD", reference=f"G-{n}",
    ) for n in range(count)]


def envelopes(count: int, run: str, chunk: int = 1) -> list[dict]:
    """The events of `count` disbursements: one command each (`chunk` 1, as a grant tranche
    sends them) or chunks of `chunk` commands (as a payment cycle's release sends them)."""
    every = commands(count, run)
    payloads = every if chunk == 1 else [DisbursementsRequested(items=every[first:first + chunk])
                                         for first in range(0, count, chunk)]
    return [new_envelope("livelihoods", payload).model_dump(mode="json") for payload in payloads]


def in_process(count: int, scratch: str) -> None:
    url = f"sqlite:///{scratch}/ledger.db"
    upgrade("ledger", url)
    engine = make_engine(url)
    files = LedgerFiles(f"{scratch}/books", "Benchmark", date(2026, 1, 1))
    files.ensure_created()
    committer = GroupCommitter(engine, files, SimulatedRail("SimMobile"), Semaphore())
    bodies = envelopes(count, "a")
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, count, COMMANDS_PER_COMMIT):
        assert all(result is True for result in committer.post(bodies[first:first + COMMANDS_PER_COMMIT]))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    index_reports(engine, count)
    engine.dispose()
    print(f"ledger posting, in-process (batches of {COMMANDS_PER_COMMIT}, one fsync and one commit each): {count} "
          f"disbursements ({2 * count} transactions) in {elapsed:.2f} s = {count / elapsed:,.0f} disbursements/s; "
          f"CPU {cpu:.2f} s = {1e6 * cpu / count:,.0f} µs per disbursement; load average {os.getloadavg()[0]:.1f}")
    verified = time.perf_counter()
    report = verify(files.directory)
    print(f"ledger verify: {report.transactions} transactions in {time.perf_counter() - verified:.2f} s, "
          f"ok={report.ok}")


def index_reports(engine, count: int) -> None:
    """What finance asks the index, timed over the postings just made."""
    with Session(engine) as session, session.begin():
        session.add(KnownProgramme(code="LG-2026", donor="BENCH", currency="USD"))
    with Session(engine) as session:
        started = time.perf_counter()
        balance = reports.programme_balance(session, "LG-2026")
        balance_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        reports.totals(session, "month")
        totals_ms = (time.perf_counter() - started) * 1000
    print(f"programme balance from the index over {count:,} postings: {balance_ms:.1f} ms (paid {balance['paid']}); "
          f"totals by month: {totals_ms:.1f} ms")


def scratch_vhost(amqp_uri: str) -> tuple[str, tuple[str, str], str]:
    """A throw-away RabbitMQ virtual host (management API), so no real consumer is involved:
    its management URL, the credentials and its AMQP URI."""
    parts = urlsplit(amqp_uri)
    vhost, auth = f"bench-{uuid.uuid4().hex[:8]}", (parts.username, parts.password)
    api = f"http://{parts.hostname}:15672/api"
    requests.put(f"{api}/vhosts/{vhost}", auth=auth, timeout=10).raise_for_status()
    requests.put(f"{api}/permissions/{vhost}/{parts.username}", auth=auth, timeout=10,
                 json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    return f"{api}/vhosts/{vhost}", auth, urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def queue_state(amqp_uri: str) -> tuple[int, int]:
    with Connection(amqp_uri) as conn:
        _name, messages, consumers = conn.default_channel.queue_declare(QUEUE, passive=True)
    return messages, consumers


def serve_ledger(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "ledger"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return result


def cpu_seconds(process: subprocess.Popen) -> float:
    """The CPU time (user and system) a running child has used so far."""
    with open(f"/proc/{process.pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(service: subprocess.Popen) -> None:
    service.terminate()
    service.wait(timeout=60)


ANSWERED = "select count(*) from postings where status != 'PENDING'"
# How many disbursements reached each stage (answers travel one or many per outbox row: the
# answered are all published once no answer row is left unpublished).
STAGES = {
    "payable committed": "select count(*) from postings",
    "sent to the provider": "select count(*) from payment_orders where state in ('SENT', 'RECEIVED')",
    "answer committed": ANSWERED,
    "answer published": f"select case when exists (select 1 from outbox where event_type like 'disbursement.%' "
                        f"and published_at is null) then 0 else ({ANSWERED}) end",
}


def ledger_environment(scratch: str, amqp_uri: str, provider_url: str) -> dict:
    """The ledger service against the scratch virtual host and the provider, paying made-up
    numbers (no enrollment to resolve payees)."""
    config = f"{scratch}/ddrr.yaml"
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(DEFAULT_PATH.read_text(encoding="utf-8").replace(
            "test_only_synthetic_payees: false", "test_only_synthetic_payees: true"))
    callbacks = free_port()
    return {**os.environ, "AMQP_URI": amqp_uri, "DDRR_CONFIG": config, "LEDGER_DATABASE_URL": f"sqlite:///{scratch}/service.db",
            "LEDGER_DIR": f"{scratch}/service-books", "PROVIDER_URL": provider_url,
            "LEDGER_CALLBACK_ADDRESS": f"127.0.0.1:{callbacks}", "LEDGER_METRICS_PORT": str(free_port()),
            "LEDGER_CALLBACK_URL": f"http://127.0.0.1:{callbacks}/provider/callbacks"}


def stage_times(url: str, count: int, timeout: float, service: subprocess.Popen) -> dict[str, float]:
    """Seconds from now until each stage has reached `count` disbursements."""
    engine, started, reached = create_engine(url), time.perf_counter(), {}
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as conn:
            while len(reached) < len(STAGES):
                if time.monotonic() > deadline or service.poll() is not None:
                    raise RuntimeError(f"{'the ledger service ended' if service.poll() is not None else 'timed out'}: "
                                       f"only {list(reached)} reached {count}")
                for stage, query in STAGES.items():
                    if stage not in reached and conn.execute(text(query)).scalar() >= count:
                        reached[stage] = time.perf_counter() - started
                conn.rollback()
                time.sleep(0.1)
    finally:
        engine.dispose()
    return reached


def through_the_service(count: int, scratch: str, chunk: int = 500) -> None:
    management, auth, amqp_uri = scratch_vhost(load()["AMQP_URI"])
    provider, provider_url = spawn(f"{scratch}/provider")
    env = ledger_environment(scratch, amqp_uri, provider_url)
    try:
        service = serve_ledger(env)  # declares its queue; stopped before the events are published
        wait_for(lambda: _consumers(amqp_uri), 120, "the ledger service to start")
        stop(service)
        with Connection(amqp_uri) as conn:
            channel = conn.channel()
            results = Queue("bench-results", Exchange("ledger.events", type="topic", durable=True),
                            routing_key="disbursement.*", durable=True)
            results(channel).declare()  # the relay publishes with `mandatory`: give the answers a queue
            producer = Producer(channel, exchange=event_exchange("livelihoods"))
            for body in envelopes(count, "b", chunk):
                producer.publish(body, routing_key="disbursement.requested", delivery_mode=2, serializer="json")
        wait_for(lambda: queue_state(amqp_uri)[0] == -(-count // chunk), 600, "the events to be queued")
        service = serve_ledger(env)
        try:
            wait_for(lambda: queue_state(amqp_uri)[1], 120, "the ledger service to consume")
            ledger_cpu, provider_cpu, loads = cpu_seconds(service), cpu_seconds(provider), os.getloadavg()[0]
            reached = stage_times(env["LEDGER_DATABASE_URL"], count, 3600, service)
            ledger_cpu, provider_cpu = cpu_seconds(service) - ledger_cpu, cpu_seconds(provider) - provider_cpu
            loads = (loads, os.getloadavg()[0])
        finally:
            stop(service)
        with Connection(amqp_uri) as conn:
            answers = conn.default_channel.queue_declare("bench-results", passive=True)[1]
    finally:
        stop(provider)
        requests.delete(management, auth=auth, timeout=10)
    previous, shares = 0.0, []
    for stage, seconds in reached.items():
        shares.append(f"{stage} {seconds:.1f} s (+{seconds - previous:.1f} s)")
        previous = seconds
    print(f"ledger posting, through the service over RabbitMQ with the provider: {count} disbursements in "
          f"{'one event each' if chunk == 1 else f'events of {chunk}'}; "
          f"(a) to the last payable committed {reached['payable committed']:.2f} s = "
          f"{count / reached['payable committed']:,.0f}/s; (b) to the last answer published "
          f"{reached['answer published']:.2f} s = {count / reached['answer published']:,.0f}/s; "
          f"stages: {'; '.join(shares)}; {answers} answer messages in the bench's queue; CPU: ledger {ledger_cpu:.1f} s "
          f"({1e6 * ledger_cpu / count:,.0f} µs per disbursement), provider {provider_cpu:.1f} s; "
          f"load average {loads[0]:.1f} → {loads[1]:.1f}")
    report = verify(f"{scratch}/service-books")
    print(f"ledger verify (service's books): {report.transactions} transactions, ok={report.ok}")


def _consumers(amqp_uri: str) -> int:
    try:
        return queue_state(amqp_uri)[1]
    except Exception:  # the queue is not declared yet
        return 0


def main(count: int) -> None:
    """In-process, then through the service: `count` disbursements in chunks as a payment
    cycle sends them, and up to 10,000 one event each as grant tranches send them."""
    for run in (lambda scratch: in_process(count, scratch), lambda scratch: through_the_service(count, scratch),
                lambda scratch: through_the_service(min(count, 10_000), scratch, chunk=1)):
        with tempfile.TemporaryDirectory() as scratch:
            run(scratch)

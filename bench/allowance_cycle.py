"""Benchmark (`ddrr bench --cycle N …`): one allowance cycle of N participants through the whole running suite, from
release to the last answer settled in livelihoods, with the raw RabbitMQ rate of the same run
as the ceiling.

Every service and the provider run as `ddrr serve` processes (bench/running_suite.py) over
the real RabbitMQ (a virtual host of their own), on SQLite or (`--postgres`) on PostgreSQL,
one or (`--instances N`) N processes of each service but the provider (the ledger: one writer,
the others its standbys), the provider paying everyone (no failures) after no callback delay.
The programme and its funding go through the API; the participants are inserted into
enrollment's database (bench/enrollment_seed.py: sealed personal data and a VERIFIED
mobile-money account each) and into livelihoods' (facts and an AFTERCARE phase since the
month began, as enrollment's events would leave them); their import is not what is measured.
The payment adapter resolves every payee through enrollment, as in production. Prepare and
release are RPC calls with a long timeout. From the release call, each stage's completion is
read from the services' databases every 0.25 s, and each process's CPU time (user and
system), and on PostgreSQL its server processes' serving the suite, is taken from /proc at
the release and at the end. Every payment must end PAID: a payment the adapter held, or any
other outcome, fails the run, saying how many and why.
"""
import argparse
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import requests
from kombu import Connection, Consumer, Exchange, Queue
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bench import enrollment_seed
from bench.running_suite import RunningSuite
from services.enrollment.pii import BlindIndex, PiiVault
from services.gateway.accounts import CreateUser, create_user_in
from services.livelihoods.models import ParticipantFacts, PhaseHistory
from shared.config import load
from shared.confirmed_batch import ConfirmedBatch
from shared.db import make_engine

AMOUNT = "5.00"  # 100,000 of them and the provider's fees stay within its opening float
QUIET = {"PROVIDER_CALLBACK_DELAY": "0", "PROVIDER_FAILURE_RATE": "0", "PROVIDER_REVERSAL_RATE": "0",
         "PROVIDER_UNKNOWN_ACCOUNT_RATE": "0"}
ROWS_PER_INSERT = 20_000
JSON = {"sqlite": {"version": "json_extract(body, '$.version')", "items": "json_array_length(body, '$.payload.items')"},
        "postgresql": {"version": "(body::json ->> 'version')::int",
                       "items": "json_array_length(body::json -> 'payload' -> 'items')"}}
STAGES = {  # stage: (database, the count that reaches N when the stage is over)
    "livelihoods outbox published": ("livelihoods", "SELECT {n} - count(*) * 500 FROM outbox WHERE "
                                     "event_type = 'disbursement.requested' AND published_at IS NULL"),
    "ledger payables posted": ("ledger", "SELECT count(*) FROM postings"),
    "adapter sent": ("ledger", "SELECT count(*) FROM payment_orders WHERE state IN ('SENT', 'RECEIVED')"),
    "provider callbacks received": ("ledger", "SELECT count(*) FROM payment_orders WHERE state = 'RECEIVED'"),
    "ledger answers posted": ("ledger", "SELECT count(*) FROM postings WHERE status != 'PENDING'"),
    "ledger answers published": ("ledger", "SELECT coalesce(sum(CASE {version} WHEN 2 THEN {items} ELSE 1 END), 0) "
                                 "FROM outbox WHERE event_type LIKE 'disbursement.%' AND published_at IS NOT NULL"),
    "livelihoods settled": ("livelihoods", "SELECT count(*) FROM allowance_payments WHERE status IN "
                            "('PAID', 'FAILED')"),
}
HELD = ("ledger", "SELECT reason, count(*) FROM payment_orders WHERE state = 'HELD' GROUP BY reason")
OUTCOMES = ("livelihoods", "SELECT status, count(*) FROM allowance_payments GROUP BY status")


class NotAllPaid(RuntimeError):
    """A payment held instead of sent, or settled otherwise than PAID: the run did not measure
    a cycle paying everyone."""


def vhost(name: str, action: str) -> None:
    arguments = [["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]] \
        if action == "add" else [["delete_vhost", name]]
    for args in arguments:
        subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


def broker_ceiling(amqp_uri: str, messages: int) -> tuple[float, float]:
    """Persistent publishes with one confirm wait per 1,000, then one consumer acking each:
    messages per second each way."""
    exchange, queue_name = Exchange("bench.ceiling", type="topic", durable=True), f"bench-{uuid.uuid4().hex[:6]}"
    body = {"type": "disbursement.requested", "payload": {"idempotency_key": "allowance:SP:2026-11:P-000000:a1",
                                                          "amount": AMOUNT, "currency": "USD"}}
    with Connection(amqp_uri) as conn:
        Queue(queue_name, exchange, routing_key="#", durable=True)(conn.default_channel).declare()
    publisher, started = ConfirmedBatch(amqp_uri, exchange), time.perf_counter()
    for start in range(0, messages, 1000):
        outcomes: dict = {}
        publisher.publish([(body, "bench", f"m{n}", {}) for n in range(start, min(messages, start + 1000))], outcomes)
        assert all(outcome is None for outcome in outcomes.values())
    published = messages / (time.perf_counter() - started)
    publisher.close()
    received = []
    with Connection(amqp_uri) as conn:
        queue = Queue(queue_name, exchange, routing_key="#", durable=True)
        with Consumer(conn, [queue], prefetch_count=1000,
                      callbacks=[lambda _body, message: (received.append(1), message.ack())]):
            started = time.perf_counter()
            while len(received) < messages:
                conn.drain_events(timeout=30)
            consumed = messages / (time.perf_counter() - started)
        queue(conn.default_channel).delete()
    return published, consumed


def api(suite: RunningSuite, token: str, path: str, body: dict) -> requests.Response:
    return requests.post(suite.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def set_up(suite: RunningSuite, n: int) -> tuple[str, float]:
    """The programme funded through the API, the participants in enrollment and livelihoods;
    the month, and how long the participants' insert took."""
    admin = create_user_in(suite.database("gateway"), CreateUser(username="admin-1", role="admin"))
    finance = api(suite, admin, "/users", {"username": "finance-a", "role": "finance"}).json()["token"]
    total = f"{n * int(float(AMOUNT))}.00"
    programme = {"code": "SP-2026", "name": "Allowance", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
                 "budget": total, "conditions": [{"type": "consent_active"}],
                 "allowance": {"amount": AMOUNT, "phases": ["AFTERCARE"]}}
    assert api(suite, admin, "/programmes", programme).status_code == 201
    funding = {"amount": total, "currency": "USD", "reference": "MDTF-1", "received_on": "2026-11-02"}
    until(lambda: api(suite, finance, "/programmes/SP-2026/funding", funding).status_code == 201, 60)
    budget = suite.url + "/programmes/SP-2026/budget"
    until(lambda: requests.get(budget, headers={"Authorization": f"Bearer {finance}"}, timeout=10).json()
          .get("available") == total, 60)
    now, started = datetime.now(timezone.utc), time.perf_counter()
    insert_participants(suite, n, now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    return now.strftime("%Y-%m"), time.perf_counter() - started


def insert_participants(suite: RunningSuite, n: int, since: datetime) -> None:
    """The same N participants in enrollment's database and in livelihoods', in AFTERCARE
    since `since`, ROWS_PER_INSERT at a time."""
    keys = load(suite.folder / "ddrr.yaml")["ENROLLMENT"]
    vault, index = PiiVault(keys["pii_key"]), BlindIndex(keys["blind_index_key"])
    engines = [make_engine(suite.database(name)) for name in ("enrollment", "livelihoods")]
    try:
        with Session(engines[0]) as enrollment, enrollment.begin(), \
                Session(engines[1]) as livelihoods, livelihoods.begin():
            for start in range(0, n, ROWS_PER_INSERT):
                ids = [f"P-{i:06X}" for i in range(start, min(n, start + ROWS_PER_INSERT))]
                enrollment_seed.seed(enrollment, vault, index, ids, since.date())
                livelihoods.execute(insert(ParticipantFacts), [
                    {"participant_id": pid, "district": "Kismayo", "gender": "F", "phase": "AFTERCARE",
                     "consent_active": True} for pid in ids])
                livelihoods.execute(insert(PhaseHistory), [{"participant_id": pid, "phase": "AFTERCARE",
                                                            "since": since} for pid in ids])
    finally:
        for engine in engines:
            engine.dispose()


def until(check, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.3)


def counts(suite: RunningSuite, n: int) -> dict[str, int]:
    engines = {name: make_engine(suite.database(name)) for name in ("livelihoods", "ledger")}
    try:
        found = {}
        for stage, (db, sql) in STAGES.items():
            with engines[db].connect() as conn:
                found[stage] = conn.scalar(text(sql.format(n=n, **JSON[conn.dialect.name])))
        return found
    finally:
        for engine in engines.values():
            engine.dispose()


def grouped(suite: RunningSuite, database: str, sql: str) -> dict[str, int]:
    """{value: count} of a GROUP BY query on one service's database."""
    engine = make_engine(suite.database(database))
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text(sql)).all())
    finally:
        engine.dispose()


def held_payments(suite: RunningSuite) -> None:
    """Fail at once if the adapter held a payment: it would never settle."""
    held = grouped(suite, *HELD)
    if held:
        raise NotAllPaid(f"{sum(held.values()):,} payment(s) held instead of sent, by reason: {held}")


def everyone_paid(suite: RunningSuite, n: int) -> dict[str, int]:
    """Every payment PAID in livelihoods and none held at the ledger, or the run fails."""
    held_payments(suite)
    outcomes = grouped(suite, *OUTCOMES)
    if outcomes != {"PAID": n}:
        raise NotAllPaid(f"not all {n:,} payments PAID: {outcomes}")
    return outcomes


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def cpu_seconds(pid: int) -> float:
    """The process's user and system time so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(suite: RunningSuite) -> dict[int, float]:
    """CPU time so far of each PostgreSQL process serving the suite (none on SQLite, where the
    services' own processes do the database's work); one that ended meanwhile is left out."""
    found = {}
    for pid in suite.postgres_backends() if suite.postgres_urls else ():
        try:
            found[pid] = cpu_seconds(pid)
        except FileNotFoundError:
            pass
    return found


def cycle(suite: RunningSuite, n: int, month: str, timeout: float) -> dict:
    """Prepare and release over RPC; from the release call, when each stage reached N and
    how much CPU each process spent until the last one."""
    with ClusterRpcProxy({"AMQP_URI": suite.amqp_uri}, timeout=600) as rpc:
        started = time.perf_counter()
        prepared = rpc.livelihoods.prepare_cycle({"programme": "SP-2026", "month": month}, "finance-a")
        prepare_s = time.perf_counter() - started
        assert prepared["declared_count"] == n, prepared
        started, cpu_before = time.perf_counter(), {name: cpu_seconds(pid) for name, pid in suite.pids().items()}
        database_before = database_cpu(suite)
        released = rpc.livelihoods.release_cycle(prepared["cycle_id"], "finance-b")
        release_s = time.perf_counter() - started
    assert released["released"]["sent"] == n, released
    done: dict[str, float] = {}
    while len(done) < len(STAGES):
        now = time.perf_counter() - started
        assert now < timeout, f"not settled within {timeout:.0f} s: {counts(suite, n)}"
        held_payments(suite)
        done.update({stage: now for stage, count in counts(suite, n).items() if count >= n and stage not in done})
        time.sleep(0.25)
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in suite.pids().items()}
    if suite.postgres_urls:
        cpu["postgres"] = sum(seconds - database_before.get(pid, 0) for pid, seconds in database_cpu(suite).items())
    return {"prepare_s": prepare_s, "release_s": release_s, "stages": done, "cpu_s": cpu,
            "outcomes": everyone_paid(suite, n)}


def run(n: int, ceiling_messages: int, timeout: float, instances: int = 1, postgres: bool = False) -> dict:
    name = f"cycle-bench-{uuid.uuid4().hex[:8]}"
    vhost(name, "add")
    try:
        with tempfile.TemporaryDirectory(prefix="ddrr-cycle-") as folder:
            broker = urlsplit(load()["AMQP_URI"])._replace(path=f"/{name}").geturl()
            suite = RunningSuite(Path(folder), broker, instances=instances, postgres=postgres, synthetic_payees=False,
                                 **QUIET)
            try:  # a start that fails stops what it started too
                suite.start(timeout=600)  # the machine may be busy with other work
                load_before = os.getloadavg()[0]
                month, seeding_s = set_up(suite, n)
                figures = cycle(suite, n, month, timeout)
                figures["seeding_s"] = seeding_s
                figures["peak_rss_mib"] = {service: peak_rss_mib(pid) for service, pid in suite.pids().items()}
                figures["ceiling"] = broker_ceiling(suite.amqp_uri, ceiling_messages)
                figures["load"] = (load_before, os.getloadavg()[0])
                verified = suite.ddrr("ledger", "verify")
                assert verified.returncode == 0, verified.stdout + verified.stderr
            finally:
                suite.stop()
                suite.drop_databases()
    finally:
        vhost(name, "delete")
    return figures


def report(n: int, figures: dict) -> str:
    stages, total = figures["stages"], figures["stages"]["livelihoods settled"]
    lines = [f"allowance cycle of {n:,} through the running suite: prepare {figures['prepare_s']:.1f} s, release "
             f"call {figures['release_s']:.1f} s; release → last answer settled {total:.1f} s = "
             f"{n / total:,.0f} payments/s (load {figures['load'][0]:.1f} → {figures['load'][1]:.1f})"]
    lines.append(f"  {n:,} participants inserted into enrollment and livelihoods in {figures['seeding_s']:.1f} s "
                 f"(not measured); payees resolved through enrollment: "
                 + ", ".join(f"{count:,} {status}" for status, count in figures["outcomes"].items()) + ", none held")
    previous = 0.0
    for stage in STAGES:
        lines.append(f"  {stage:<30} done at {stages[stage]:6.1f} s  (+{stages[stage] - previous:5.1f} s, "
                     f"{(stages[stage] - previous) / total:4.0%})")
        previous = max(previous, stages[stage])
    cpu = figures["cpu_s"]
    lines.append(f"  CPU from release to the last settled: {sum(cpu.values()):.1f} s = "
                 f"{sum(cpu.values()) / n * 1000:.2f} ms per payment (" + ", ".join(
                     f"{s} {c:.1f} s" for s, c in sorted(cpu.items(), key=lambda item: -item[1])) + ")")
    lines.append("  peak RSS (VmHWM): " + ", ".join(f"{s} {m:.0f} MiB" for s, m in figures["peak_rss_mib"].items()))
    published, consumed = figures["ceiling"]
    lines.append(f"  RabbitMQ in the same run: {published:,.0f} persistent msg/s published (confirms per 1,000), "
                 f"{consumed:,.0f} msg/s consumed by one consumer")
    return "\n".join(lines)


def main(sizes=(10_000, 100_000), ceiling_messages: int = 100_000, timeout: float = 900, instances: int = 1,
         postgres: bool = False) -> None:
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, {'PostgreSQL' if postgres else f'SQLite {sqlite3.sqlite_version}'}, "
          f"{instances} instance(s) of each service", flush=True)
    for n in sizes:
        print(report(n, run(n, ceiling_messages, timeout, instances, postgres)), flush=True)


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    arguments.add_argument("--ceiling-messages", type=int, default=100_000)
    arguments.add_argument("--timeout", type=float, default=900)
    arguments.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database per service")
    arguments.add_argument("--instances", type=int, default=1, help="processes of each service but the provider")
    parsed = arguments.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `timeout`, kill: stop the suite and drop its databases too
    main(parsed.sizes, parsed.ceiling_messages, parsed.timeout, parsed.instances, parsed.postgres)

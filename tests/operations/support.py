"""What the replica tests share: throw-away PostgreSQL databases, and `ddrr serve <service>`
processes of the test's own, several of one service beside each other, each with its own
operations port (metrics, health) and log file, on the test's RabbitMQ virtual host."""
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from bench.running_suite import RunningSuite, configuration
from services.provider.process import free_port
from tests.conftest import PG_ADMIN_URL


def fresh_database() -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ddrr_test_replicas_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop(url: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


class Instance:
    """One `ddrr serve` process and its operations port."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process, self.url, self.log = process, url, log

    def ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).ok
        except requests.ConnectionError:
            return False

    def metric(self, name: str, **labels: str) -> float:
        """The value of one series on this process's /metrics (0 when it has none yet)."""
        for family in text_string_to_metric_families(requests.get(f"{self.url}/metrics", timeout=5).text):
            for sample in family.samples:
                if sample.name == name and labels.items() <= sample.labels.items():
                    return sample.value
        return 0.0


class Processes:
    """The test's service processes, with the running suite's test configuration (made-up
    payees, overdue payments asked about after 5 s) and any settings given."""

    def __init__(self, folder: Path, amqp_uri: str, **env: str):
        self.folder = folder
        self.env = RunningSuite(folder, amqp_uri, **env).env
        self.amqp_uri = self.env["AMQP_URI"]
        configuration(folder)
        self.started: list[Instance] = []

    def serve(self, service: str) -> Instance:
        port = free_port()
        log = self.folder / f"{service}-{len(self.started)}.log"
        with open(log, "a", encoding="utf-8") as out:
            process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", service],
                                       env={**self.env, f"{service.upper()}_METRICS_PORT": str(port)},
                                       stdout=out, stderr=subprocess.STDOUT)
        self.started.append(Instance(process, f"http://127.0.0.1:{port}", log))
        return self.started[-1]

    def consumers(self, queue: str) -> int:
        with Connection(self.amqp_uri) as conn:
            return conn.default_channel.queue_declare(queue, passive=True)[2]

    def wait(self, condition, what: str, seconds: float = 90) -> None:
        """Until `condition()` holds; fails naming `what` if a process ended or time ran out."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                if condition():
                    return
            except Exception:  # a queue not declared yet, a port not open yet
                pass
            ended = [i.log.name for i in self.started if i.process.poll() is not None and i.process.returncode != -9]
            assert not ended and time.monotonic() < deadline, f"{what}: not within {seconds} s (ended: {ended}, " \
                                                              f"see {self.folder}/*.log)"
            time.sleep(0.3)

    def stop(self) -> None:
        for instance in self.started:
            if instance.process.poll() is None:
                instance.process.terminate()
        for instance in self.started:
            try:
                instance.process.wait(15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait(5)

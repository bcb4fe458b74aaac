"""The whole suite as operating-system processes (`ddrr serve <each>`), for the tests that
SIGKILL it or restart its broker and for the cycle benchmark: every process with its own
data folder, ports and RabbitMQ virtual host, so several can run beside each other and
beside `make run`; one configuration file copy polls overdue payments after 5 s and retries
a cut batch after 0.5 s, and pays made-up numbers (no payee resolution) unless the suite is
asked to resolve payees through enrollment, as the cycle benchmark does.

Optionally on throw-away PostgreSQL databases, and with several instances of each service
on the same queues (the ledger: one writer and standbys on its folder; the provider, a
stand-in for one outside system, always one)."""
import os
import uuid
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import requests
from amqp.exceptions import NotFound
from kombu import Connection
from sqlalchemy import create_engine, text

from services.cli import healthy
from services.provider.process import free_port
from shared.config import DEFAULT_PATH

SERVICES = ("provider", "enrollment", "livelihoods", "ledger", "mentorship", "gateway")
BACKENDS = ("enrollment", "livelihoods", "ledger", "mentorship")
TEST_SETTINGS = {"overdue_seconds: 30": "overdue_seconds: 5", "retry_pause_seconds: 2": "retry_pause_seconds: 0.5"}
SYNTHETIC_PAYEES = {"test_only_synthetic_payees: false": "test_only_synthetic_payees: true"}
DATABASES = ("enrollment", "livelihoods", "ledger", "mentorship", "gateway")
PG_ADMIN_URL = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"


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


def configuration(folder: Path, synthetic_payees: bool = True) -> None:
    """The configuration file copy; with `synthetic_payees`, the ledger pays made-up numbers
    (for tests whose participants have no payment account in enrollment)."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    for default, changed in {**TEST_SETTINGS, **(SYNTHETIC_PAYEES if synthetic_payees else {})}.items():
        assert default in text, default
        text = text.replace(default, changed)
    (folder / "ddrr.yaml").write_text(text, encoding="utf-8")


class RunningSuite:
    """`instances` processes of each service but the provider; with `postgres`, a fresh
    PostgreSQL database per service, dropped by `drop_databases`; without `synthetic_payees`,
    the ledger resolves each payee through enrollment, as in production; `ports` gives each
    listening port (the tests give their part's own)."""

    def __init__(self, folder: Path, amqp_uri: str, instances: int = 1, postgres: bool = False,
                 synthetic_payees: bool = True, ports: Callable[[], int] = free_port, **env: str):
        self.folder, self.amqp_uri = folder, amqp_uri.replace("pyamqp://", "amqp://", 1)  # nameko's fixture: pyamqp
        self.instances, self.synthetic_payees = instances, synthetic_payees
        self.postgres_urls = {name: fresh_database() for name in DATABASES} if postgres else {}
        self.data = folder / "data"
        gateway, provider, callbacks = ports(), ports(), ports()
        self.url, self.provider_url = f"http://127.0.0.1:{gateway}", f"http://127.0.0.1:{provider}"
        self.env = {**os.environ, "AMQP_URI": self.amqp_uri, "DDRR_DATA_DIR": str(self.data),
                    "DDRR_CONFIG": str(folder / "ddrr.yaml"),
                    "GATEWAY_ADDRESS": f"127.0.0.1:{gateway}", "GATEWAY_PUBLIC_URL": self.url,
                    "PROVIDER_ADDRESS": f"127.0.0.1:{provider}", "PROVIDER_URL": self.provider_url,
                    "LEDGER_CALLBACK_ADDRESS": f"127.0.0.1:{callbacks}",
                    "LEDGER_CALLBACK_URL": f"http://127.0.0.1:{callbacks}/provider/callbacks",
                    **{f"{name.upper()}_METRICS_PORT": str(ports()) for name in SERVICES[1:]},
                    **{f"{name.upper()}_DATABASE_URL": url for name, url in self.postgres_urls.items()}, **env}
        self.commands = {name: {} for name in SERVICES}  # process name: the settings of its own
        for name in SERVICES[1:]:
            for n in range(2, instances + 1):
                self.commands[f"{name}-{n}"] = {f"{name.upper()}_METRICS_PORT": str(ports()),
                                                **({"GATEWAY_ADDRESS": f"127.0.0.1:{ports()}"}
                                                   if name == "gateway" else {})}
        self.processes: dict[str, subprocess.Popen] = {}

    def database(self, service: str) -> str:
        return self.env.get(f"{service.upper()}_DATABASE_URL", f"sqlite:///{self.data}/{service}.db")

    def metrics_url(self, process: str) -> str:
        service = process.split("-")[0]
        port = self.commands[process].get(f"{service.upper()}_METRICS_PORT") or self.env[f"{service.upper()}_METRICS_PORT"]
        return f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 120) -> None:
        """Start every process (its output in the folder) and return once each one serves."""
        self.data.mkdir(exist_ok=True)
        configuration(self.folder, self.synthetic_payees)  # again at each start: the file may have changed meanwhile
        for name, own in self.commands.items():
            log = open(self.folder / f"{name}.log", "a", encoding="utf-8")
            self.processes[name] = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", name.split("-")[0]],
                                                    env={**self.env, **own}, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.ready():
            exited = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
            assert not exited and time.monotonic() < deadline, f"not ready: exited {exited}, see {self.folder}/*.log"
            time.sleep(0.3)

    def ready(self) -> bool:
        try:
            return (healthy(self.url) and healthy(self.provider_url)
                    and all(self.consumers(f"rpc-{name}") == (1 if name == "ledger" else self.instances)
                            for name in BACKENDS))
        except (requests.Timeout, NotFound):  # a busy machine, a queue not declared yet: not ready yet
            return False

    def consumers(self, queue: str) -> int:
        with Connection(self.amqp_uri) as conn:
            return conn.default_channel.queue_declare(queue, passive=True)[2]

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def alive(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is None]

    def kill(self) -> None:
        """SIGKILL every process at once, as a power cut would."""
        for process in self.processes.values():
            process.send_signal(signal.SIGKILL)
        for process in self.processes.values():
            process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def postgres_backends(self) -> list[int]:
        """The PostgreSQL server processes serving this suite's databases now."""
        admin = create_engine(PG_ADMIN_URL)
        try:
            with admin.connect() as conn:
                return list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = ANY(:names)"),
                                         {"names": [url.rsplit("/", 1)[1] for url in self.postgres_urls.values()]}))
        finally:
            admin.dispose()

    def drop_databases(self) -> None:
        for url in self.postgres_urls.values():
            drop(url)

    def ddrr(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "services.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=300)


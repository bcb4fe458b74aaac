"""A private RabbitMQ node that a test may stop and start in the middle of traffic.

The system broker cannot be restarted under other tests, so `private_rabbitmq` (session
scoped) starts a second node, `test1@localhost` on 127.0.0.1:5673 (distribution port 25673,
no plugins, so the system node's management port stays free), with its own data and log
folders, and stops it at the end of the session. `make test` runs the suite in parallel
parts: part N (`DDRR_TEST_SHARD`) has its own node, `testN@localhost` on 5672+N. `private_rabbit_config` (per test) gives
a test its own virtual host on that node: `{"AMQP_URI": ...}`, to merge into a service
configuration as nameko's `rabbit_config` is.

Use it from any test (a payment-cycle test, say): import both fixtures into the test
module or a conftest (`from tests.integration.private_rabbitmq import private_rabbitmq,
private_rabbit_config`), start services with `container_factory(Service,
{**config, **private_rabbit_config})`, and call `private_rabbitmq.restart()` (or
`stop_app()` … `start_app()`; `stop_app_blocking()` from inside a service to cut its
connections while it is busy) while messages flow.

Without `rabbitmq-server` the tests using it are skipped with the reason, except in CI
(`CI=true`), where that is a failure.
"""
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import eventlet
import pytest

SHARD = int(os.environ.get("DDRR_TEST_SHARD", "1"))
NODE, PORT, DIST_PORT = f"test{SHARD}@localhost", 5672 + SHARD, 25672 + SHARD


@dataclass
class PrivateRabbit:
    node: str
    port: int
    environment: dict

    def ctl(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self.environment,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr or result.stdout}")
        return result.stdout

    def amqp_uri(self, vhost: str = "/") -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{vhost.replace('/', '%2F')}"

    def stop_app(self) -> None:
        """The broker goes away: every connection is closed, durable queues and persistent
        messages stay on disk."""
        self.ctl("stop_app")

    def stop_app_blocking(self) -> None:
        """`stop_app` while this whole process waits, the eventlet hub included, as in a service
        busy with a CPU-heavy batch: its connections learn of it only when they next write."""
        if os.system(f"rabbitmqctl -n {self.node} stop_app >/dev/null 2>&1") != 0:
            raise RuntimeError("rabbitmqctl stop_app failed")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup")

    def restart(self, down_seconds: float = 2.0) -> None:
        self.stop_app()
        eventlet.sleep(down_seconds)
        self.start_app()


def _writable_by_rabbitmq(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "rabbitmq", "rabbitmq")


def _await_node(node: PrivateRabbit, seconds: float) -> None:
    """`-detached` returns at once; the node answers `await_startup` only once it has registered."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            node.ctl("await_startup")
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="session")
def private_rabbitmq():
    if shutil.which("rabbitmq-server") is None:
        message = "rabbitmq-server is not installed: the broker-restart tests need a private RabbitMQ node"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="ddrr-rabbitmq-"))
    for folder in (base, base / "mnesia", base / "log"):
        folder.mkdir(exist_ok=True)
        _writable_by_rabbitmq(folder)
    (base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{PORT}\nloopback_users = none\n")
    (base / "enabled_plugins").write_text("[].\n")
    environment = {**os.environ, "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"), "RABBITMQ_NODENAME": NODE,
                   "RABBITMQ_DIST_PORT": str(DIST_PORT), "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
                   "RABBITMQ_LOG_BASE": str(base / "log"),
                   "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins")}
    node = PrivateRabbit(NODE, PORT, environment)
    subprocess.run(["rabbitmqctl", "-n", NODE, "stop"], env=environment, capture_output=True, timeout=60)  # a stale one
    subprocess.run(["rabbitmq-server", "-detached"], env=environment, check=True, timeout=60)
    try:
        _await_node(node, seconds=120)
        yield node
    finally:
        subprocess.run(["rabbitmqctl", "-n", NODE, "stop"], env=environment, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def private_rabbit_config(private_rabbitmq):
    """A virtual host of its own on the private node, for one test."""
    vhost = f"test-{uuid.uuid4().hex[:8]}"
    private_rabbitmq.ctl("add_vhost", vhost)
    private_rabbitmq.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield {"AMQP_URI": private_rabbitmq.amqp_uri(vhost)}
    private_rabbitmq.start_app()  # in case the test left it stopped (a no-op otherwise)
    private_rabbitmq.ctl("delete_vhost", vhost)

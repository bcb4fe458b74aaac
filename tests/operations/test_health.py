"""The operations port of a service process: metrics with the named series, liveness, and
readiness that fails while the broker is away."""

import eventlet
import pytest
import requests

from services.enrollment.models import Base
from shared import health, metrics
from shared.db import make_engine
from shared.outbox import write_events
from tests.integration.test_outbox import EVENT
from tests.ports import free_port

SERIES = ("ddrr_messages_handled_total", "ddrr_messages_failed_total", "ddrr_handler_seconds",
          "ddrr_outbox_backlog", "ddrr_outbox_oldest_seconds", "ddrr_dead_letter_depth",
          "ddrr_ledger_append_seconds", "ddrr_ledger_fsync_seconds", "ddrr_http_requests_total")


@pytest.fixture
def serving(base_config, rabbit_config):
    engine = make_engine(base_config["DATABASES"]["enrollment"])
    started = []

    def start(amqp_uri: str) -> str:
        address = f"127.0.0.1:{free_port()}"
        started.append(health.serve("enrollment", address, amqp_uri, engine))
        eventlet.sleep(0.1)
        return f"http://{address}"

    yield start
    for thread in started:
        thread.kill()
    for collector in list(health.REGISTRY._collector_to_names):
        if isinstance(collector, metrics.StateCollector):
            health.REGISTRY.unregister(collector)
    engine.dispose()


def test_metrics_answer_with_the_named_series(serving, rabbit_config, base_config):
    engine = make_engine(base_config["DATABASES"]["enrollment"])
    with engine.begin() as conn:
        write_events(conn, Base.metadata.tables["outbox"], "enrollment", [EVENT])
    engine.dispose()
    metrics.handled("enrollment", "enroll", 0.02, failed=False)
    url = serving(rabbit_config["AMQP_URI"])
    text = requests.get(f"{url}/metrics", timeout=5).text
    for name in SERIES:
        assert f"# HELP {name} " in text, name
    assert 'ddrr_outbox_backlog{service="enrollment"} 1.0' in text
    assert 'ddrr_messages_handled_total{handler="enroll",service="enrollment"}' in text
    assert 'ddrr_dead_letter_depth{service="enrollment"} 0.0' in text


def test_live_and_ready_with_the_broker(serving, rabbit_config):
    url = serving(rabbit_config["AMQP_URI"])
    assert requests.get(f"{url}/healthz", timeout=5).json() == {"status": "live"}
    assert requests.get(f"{url}/readyz", timeout=5).json() == {"status": "ready"}


def test_not_ready_while_the_broker_is_down(serving):
    url = serving("amqp://guest:guest@127.0.0.1:1/")
    answer = requests.get(f"{url}/readyz", timeout=10)
    assert answer.status_code == 503
    assert set(answer.json()["failing"]) == {"broker"}
    assert requests.get(f"{url}/healthz", timeout=5).status_code == 200

"""Each service process's operations port (config METRICS.<service>): `/metrics` for
Prometheus, `/healthz` (the process answers: liveness) and `/readyz` (the broker takes a
connection and the service's database answers a query: readiness), for compose health
checks and Kubernetes probes. It runs as a green thread beside the nameko service.
"""
import json
import logging
from datetime import datetime, timezone

import eventlet
import eventlet.wsgi
from kombu import Connection
from prometheus_client import REGISTRY, make_wsgi_app
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from shared import listening
from shared.dead_lettering import DEAD_LETTER_QUEUE
from shared.messaging_tables import outbox_table
from shared.metrics import StateCollector

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2


class Checks:
    def __init__(self, amqp_uri: str, engine: Engine):
        self.amqp_uri = amqp_uri
        self.engine = engine

    def broker(self) -> None:
        with Connection(self.amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
            conn.connect()

    def database(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def failing(self) -> dict[str, str]:
        """What is not ready, each with why (empty: ready)."""
        found = {}
        for name in ("broker", "database"):
            try:
                with eventlet.Timeout(CHECK_TIMEOUT_SECONDS + 1):
                    getattr(self, name)()
            except (Exception, eventlet.Timeout) as exc:
                found[name] = type(exc).__name__
        return found

    def state(self) -> dict[str, float]:
        """The outbox backlog and its oldest row's age, and the dead-letter queue's depth."""
        found = {}
        outbox = outbox_table()
        try:
            with self.engine.connect() as conn:
                count, oldest = conn.execute(select(func.count(), func.min(outbox.c.created_at))
                                             .where(outbox.c.published_at.is_(None))).one()
            found["ddrr_outbox_backlog"] = count
            found["ddrr_outbox_oldest_seconds"] = _age(oldest)
        except Exception as exc:
            log.warning("outbox backlog not measured: %s", type(exc).__name__)
        try:
            with Connection(self.amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
                found["ddrr_dead_letter_depth"] = DEAD_LETTER_QUEUE(conn.default_channel).queue_declare().message_count
        except Exception as exc:
            log.warning("dead-letter depth not measured: %s", type(exc).__name__)
        return found


def _age(oldest) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite gives naive UTC back
        oldest = oldest.replace(tzinfo=timezone.utc)
    return (datetime.now(timezone.utc) - oldest).total_seconds()


def application(checks: Checks):
    metrics = make_wsgi_app(REGISTRY)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "live"})
        if path == "/readyz":
            failing = checks.failing()
            if failing:
                return _json(start_response, "503 Service Unavailable", {"status": "not ready", "failing": failing})
            return _json(start_response, "200 OK", {"status": "ready"})
        return _json(start_response, "404 Not Found", {"error": "NOT_FOUND"})

    return app


def _json(start_response, status: str, payload: dict):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def serve(service: str, address: str, amqp_uri: str, engine: Engine) -> eventlet.greenthread.GreenThread:
    """Start the operations port in a green thread; returns it."""
    checks = Checks(amqp_uri, engine)
    REGISTRY.register(StateCollector(service, checks.state))
    host, port = address.rsplit(":", 1)
    listener = listening.listen(host, int(port))
    log.info("metrics and health on http://%s/metrics, /healthz, /readyz", address)
    # No access log: probes every few seconds would drown the service's own lines.
    return eventlet.spawn(eventlet.wsgi.server, listener, application(checks), log_output=False)

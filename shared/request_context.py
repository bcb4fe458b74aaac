"""Which request a worker serves, for its log lines, metrics and the events it writes.

The gateway puts the request id (and, once signed in, the user's role) in nameko's context
data; nameko's RPC proxies carry the context data to every service called, and the outbox
relay sends a row's request id as a message header, which nameko's event handlers read
back into their context data. `RequestContext`, a dependency of every service, makes the
current worker's context readable anywhere in its greenthread through a contextvar, and
records each entrypoint's outcome and latency (shared/metrics.py).
"""
import logging
import time
from contextvars import ContextVar

from nameko.extensions import DependencyProvider

from shared import metrics

log = logging.getLogger(__name__)
REQUEST_ID, USER_ROLE = "request_id", "user_role"
_current: ContextVar[dict | None] = ContextVar("ddrr_worker_context", default=None)


def current() -> dict:
    """The context of the worker running in this greenthread: request_id, user_role, event_id (each may be None)."""
    data = _current.get()
    if data is None:
        return {}
    return {"request_id": data["data"].get(REQUEST_ID), "user_role": data["data"].get(USER_ROLE),
            "event_id": data["event_id"], "service": data["service"]}


def request_id() -> str | None:
    return current().get("request_id")


def set_role(role: str) -> None:
    """Name the signed-in user's role for this worker and every service it calls next."""
    data = _current.get()
    if data is not None:
        data["data"][USER_ROLE] = role


def serving(request_id: str) -> None:
    """Name the request the gateway's HTTP greenthread answers (its error answers and log
    lines outside any worker carry it)."""
    _current.set({"data": {REQUEST_ID: request_id}, "event_id": None, "service": None, "started": None})


def _event_id(worker_ctx) -> str | None:
    body = worker_ctx.args[0] if worker_ctx.args else None
    return body.get("event_id") if isinstance(body, dict) else None


class RequestContext(DependencyProvider):
    """Sets the worker's context; at its end counts it, and logs it in one line when a
    request or an event caused it (timers' ticks only at DEBUG)."""

    def worker_setup(self, worker_ctx):
        _current.set({"data": worker_ctx.data, "event_id": _event_id(worker_ctx),
                      "service": self.container.service_name, "started": time.perf_counter()})

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        data = _current.get()
        if data is None or data["started"] is None:
            return
        seconds = time.perf_counter() - data["started"]
        handler = worker_ctx.entrypoint.method_name
        metrics.handled(self.container.service_name, handler, seconds, failed=exc_info is not None)
        caused = data["data"].get(REQUEST_ID) or data["event_id"]
        log.log(logging.INFO if caused else logging.DEBUG, "%s %s in %.0f ms", handler,
                "failed" if exc_info else "done", seconds * 1000)

    def worker_teardown(self, worker_ctx):
        _current.set(None)

"""The Prometheus series of the suite, one definition each, served by shared/health.py.

Names start with `ddrr_`; deploy/grafana/ddrr.json draws them. Series read from a database
or the broker (outbox backlog, dead letters, cycle progress) are measured when scraped
(`StateCollector`, `CYCLE_PROGRESS`).
"""
import logging
import time
from contextlib import contextmanager

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

HANDLED = Counter("ddrr_messages_handled_total", "Entrypoint calls (RPC, event, timer, HTTP) that ended",
                  ["service", "handler"])
FAILED = Counter("ddrr_messages_failed_total", "Entrypoint calls that raised", ["service", "handler"])
HANDLER_SECONDS = Histogram("ddrr_handler_seconds", "Time an entrypoint call took", ["service", "handler"])
LEDGER_APPEND_SECONDS = Histogram("ddrr_ledger_append_seconds", "Writing one group of entries to a ledger file")
LEDGER_FSYNC_SECONDS = Histogram("ddrr_ledger_fsync_seconds", "fsync of a ledger file after an append")
LEDGER_WRITER_ACTIVE = Gauge("ddrr_ledger_writer_active",
                             "1 while this ledger process holds the writer lock, 0 while it waits as a standby")
HTTP_REQUESTS = Counter("ddrr_http_requests_total", "Gateway HTTP requests by route and status", ["route", "status"])


def handled(service: str, handler: str, seconds: float, failed: bool) -> None:
    HANDLED.labels(service, handler).inc()
    HANDLER_SECONDS.labels(service, handler).observe(seconds)
    if failed:
        FAILED.labels(service, handler).inc()


@contextmanager
def timed(histogram: Histogram):
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


class StateCollector:
    """Asks, at each scrape, for the state that lives outside the process: `probe()` returns
    {series: value}; a probe that fails leaves its series out of that scrape."""

    SERIES = {
        "ddrr_outbox_backlog": "Outbox rows not yet confirmed by the broker",
        "ddrr_outbox_oldest_seconds": "Age of the oldest unpublished outbox row",
        "ddrr_dead_letter_depth": "Messages waiting in the ddrr.dead-letter queue",
    }

    def __init__(self, service: str, probe):
        self.service = service
        self.probe = probe

    def describe(self):
        return [GaugeMetricFamily(name, text, labels=["service"]) for name, text in self.SERIES.items()]

    def collect(self):
        for name, value in self.probe().items():
            family = GaugeMetricFamily(name, self.SERIES[name], labels=["service"])
            family.add_metric([self.service], value)
            yield family


class CycleProgress:
    """`ddrr_cycle_payments{cycle, status}`: the payment attempts of every cycle not yet
    complete, by status, asked at each scrape of the sources a running livelihoods service adds
    (`sources`: callables returning {(cycle, status): count}). Every livelihoods replica reads
    the same database, so the replicas report the same figures (draw them with `max by`)."""

    NAME = "ddrr_cycle_payments"
    HELP = "Payment attempts of each cycle not yet complete, by status"

    def __init__(self):
        self.sources = []

    def describe(self):
        return [GaugeMetricFamily(self.NAME, self.HELP, labels=["cycle", "status"])]

    def collect(self):
        counts = {}
        for source in list(self.sources):
            try:
                counts.update(source())
            except Exception as exc:
                log.warning("cycle progress not measured: %s", type(exc).__name__)
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["cycle", "status"])
        for (cycle, status), count in sorted(counts.items()):
            family.add_metric([cycle, status], count)
        yield family


CYCLE_PROGRESS = CycleProgress()
REGISTRY.register(CYCLE_PROGRESS)

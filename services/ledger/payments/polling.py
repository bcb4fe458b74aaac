"""Overdue payments: SENT longer than `overdue_seconds` without a result. The provider sends
each callback once and never again, so a lost one is found here by a bulk status query: a
final result is recorded, a payment still pending is overdue again later, and one the
provider does not know goes back to the sender (asked about again, then sent). It looks at
most once a second (the adapter's loop turns far more often while batches are in flight)."""
import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from services.ledger.models import PaymentOrder
from services.ledger.payments import results
from services.ledger.payments.orders import QUEUED, SENT, now
from services.ledger.payments.provider_client import MAX_STATUS_QUERY, ProviderClient
from services.ledger.payments.settings import PaymentSettings
from shared.errors import ProviderUnavailable

log = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 1.0


class Poller:
    def __init__(self, engine: Engine, client: ProviderClient, settings: PaymentSettings):
        self.engine, self.client, self.settings = engine, client, settings
        self._next_look = 0.0

    def round(self) -> int:
        """Ask about up to one status query of overdue payments; how many were asked about."""
        if time.monotonic() < self._next_look:
            return 0
        self._next_look = time.monotonic() + LOOK_EVERY_SECONDS
        with self.engine.connect() as conn:
            overdue = list(conn.scalars(select(PaymentOrder.reference_id).where(
                PaymentOrder.state == SENT, PaymentOrder.answered_at.is_(None),
                PaymentOrder.sent_at <= now() - timedelta(seconds=self.settings.overdue_seconds))
                .order_by(PaymentOrder.sent_at).limit(MAX_STATUS_QUERY)))
        if not overdue:
            return 0
        if len(overdue) == MAX_STATUS_QUERY:
            self._next_look = 0.0  # more are overdue: look again at once
        try:
            found, unknown = self.client.statuses(overdue)
        except ProviderUnavailable as down:
            log.warning("status of %d overdue payment(s) not known (%s); asked again later", len(overdue), down)
            with self.engine.begin() as conn:
                results.still_pending(conn, overdue)
            return 0
        with self.engine.begin() as conn:
            recorded = results.record(conn, found)
            results.still_pending(conn, [r["reference_id"] for r in found if r["status"] not in results.FINAL])
            for start in range(0, len(unknown), results.CHUNK):
                conn.execute(update(PaymentOrder).where(
                    PaymentOrder.reference_id.in_(unknown[start:start + results.CHUNK]), PaymentOrder.state == SENT)
                    .values(state=QUEUED, next_attempt_at=now()))
        log.info("asked about %d overdue payment(s): %d result(s), %d unknown to the provider",
                 len(overdue), recorded, len(unknown))
        return len(overdue)

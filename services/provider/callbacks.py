"""Results go back to the caller's callback URL, signed, in bulk: one POST carries the
results of up to `callback_batch_size` payments of one batch:

    {"batch_id": "...", "callback_id": "...", "results": [<payment result>, ...]}

Each callback is sent once and never retried, as MTN MoMo does: a callback that fails (no
answer, an error, a non-2xx status) is logged and dropped, and the caller polls the status
endpoints for what it missed. A payment's callbacks are marked sent before they go out, so a
provider that dies mid-send loses them rather than sending them twice by accident."""
import json
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from sqlalchemy import select, update

from services.provider import signing
from services.provider.models import Batch, Payment
from services.provider.payments import RESULT_COLUMNS, result

log = logging.getLogger(__name__)
TAKE_CHUNK = 5000


@dataclass(frozen=True)
class Callback:
    url: str
    body: bytes
    results: int


def take_due(engine, settings, now: float) -> list[Callback]:
    """The callbacks due by `now` (up to TAKE_CHUNK results), already marked as sent."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(*RESULT_COLUMNS, Batch.callback_url).join(Batch, Batch.batch_key == Payment.batch_key)
            .where(Payment.callbacks_left > 0, Payment.callback_at <= now)
            .order_by(Payment.callback_at).limit(TAKE_CHUNK)).all()
        if not rows:
            return []
        taken = [row.reference_id for row in rows]
        for start in range(0, len(taken), 1000):
            conn.execute(update(Payment).where(Payment.reference_id.in_(taken[start:start + 1000]))
                         .values(callbacks_left=Payment.callbacks_left - 1, callback_at=now))
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row.batch_key, row.callback_url), []).append(result(row))
    size = settings.callback_batch_size
    return [Callback(url, json.dumps({"batch_id": batch, "callback_id": uuid.uuid4().hex,
                                      "results": results[start:start + size]}).encode(),
                     len(results[start:start + size]))
            for (batch, url), results in grouped.items() for start in range(0, len(results), size)]


class Sender:
    """Posts callbacks from a few threads, each with its own HTTP session."""

    def __init__(self, settings, workers: int = 4):
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="provider-callback")
        self._local = threading.local()

    def _post(self, callback: Callback) -> bool:
        session = getattr(self._local, "session", None) or requests.Session()
        self._local.session = session
        headers = {"Content-Type": "application/json", **signing.sign(self.settings.callback_secret, callback.body)}
        try:
            answer = session.post(callback.url, data=callback.body, headers=headers,
                                  timeout=self.settings.callback_timeout_seconds)
        except requests.RequestException as exc:
            log.warning("callback of %d results to %s failed (%s); not retried", callback.results, callback.url,
                        type(exc).__name__)
            return False
        if not answer.ok:
            log.warning("callback of %d results to %s answered %d; not retried", callback.results, callback.url,
                        answer.status_code)
        return answer.ok

    def send(self, callbacks: list[Callback]) -> int:
        """Send them all; the number the receivers accepted."""
        return sum(self._pool.map(self._post, callbacks))

    def close(self) -> None:
        self._pool.shutdown(wait=True)

"""The provider's background worker: decides the payments that are due, then sends the
callbacks that are due, again and again. When neither had anything to do it sleeps until
the next payment or callback falls due (at most LONGEST_SLEEP), or a batch comes in: polling
the tables twenty times a second cost the provider more CPU than the payments themselves."""
import logging
import threading
import time

from sqlalchemy import func, select

from services.provider import callbacks, settlement
from services.provider.models import Payment

log = logging.getLogger(__name__)
LONGEST_SLEEP = 1.0


class Dispatcher:
    def __init__(self, engine, settings, faults):
        self.engine, self.settings, self.faults = engine, settings, faults
        self.sender = callbacks.Sender(settings)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="provider-dispatcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A batch came in: look now rather than at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self.sender.close()

    def tick(self) -> int:
        """One round; how much it did (payments decided + results sent)."""
        now = time.time()
        decided = settlement.settle_due(self.engine, self.settings, self.faults.current, now)
        due = callbacks.take_due(self.engine, self.settings, now)
        self.sender.send(due)
        return decided + sum(callback.results for callback in due)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.tick()
            except Exception:
                log.exception("provider dispatcher round failed; trying again")
                busy = 0
            if not busy:
                self._wake.wait(self._until_due())
                self._wake.clear()

    def _until_due(self) -> float:
        """Seconds until the next payment or callback is due (both read on their indexes)."""
        try:
            with self.engine.connect() as conn:
                moments = conn.execute(select(
                    select(func.min(Payment.due_at)).where(Payment.status == "PENDING").scalar_subquery(),
                    select(func.min(Payment.callback_at)).where(Payment.callbacks_left > 0).scalar_subquery())).one()
        except Exception:
            log.exception("provider dispatcher could not read what is due next")
            return LONGEST_SLEEP
        soonest = min((moment for moment in moments if moment is not None), default=None)
        return LONGEST_SLEEP if soonest is None else min(LONGEST_SLEEP, max(0.0, soonest - time.time()))

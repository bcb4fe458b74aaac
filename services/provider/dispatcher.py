"""The provider's background worker: decides the payments that are due, then sends the
callbacks that are due, again and again; it sleeps only when neither had anything to do."""
import logging
import threading
import time

from services.provider import callbacks, settlement

log = logging.getLogger(__name__)
IDLE_SECONDS = 0.05


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
                self._wake.wait(IDLE_SECONDS)
                self._wake.clear()

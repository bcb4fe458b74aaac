"""Work that a fault of the machine stops (a full disk, an unreachable database) waits and
tries again by itself, saying so once: one log line when it stops, one when it goes on, and
between tries a pause that doubles from FIRST_PAUSE to LONGEST_PAUSE seconds. Without it a
timer or a consumer retrying at full speed writes a traceback several times a second."""
import logging
import time

FIRST_PAUSE, LONGEST_PAUSE = 0.5, 30.0


class FaultPause:
    def __init__(self, name: str, log: logging.Logger):
        self.name, self.log = name, log
        self.pause, self.paused_at = FIRST_PAUSE, None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def failed(self, fault: BaseException, held: str) -> float:
        """Seconds to wait before trying again; only the first failure in a row is logged."""
        if self.paused_at is None:
            self.paused_at = time.monotonic()
            self.log.error("%s paused: %s; %s, tried again every %.1f-%.0f s", self.name, fault, held,
                           FIRST_PAUSE, LONGEST_PAUSE)
        wait, self.pause = self.pause, min(2 * self.pause, LONGEST_PAUSE)
        return wait

    def succeeded(self) -> None:
        if self.paused_at is not None:
            self.log.warning("%s resumed after %.1f s", self.name, time.monotonic() - self.paused_at)
            self.pause, self.paused_at = FIRST_PAUSE, None

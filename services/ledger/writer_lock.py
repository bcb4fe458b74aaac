"""One process at a time writes a ledger folder: the others wait as its standby.

Every `ddrr serve ledger` takes an exclusive lock on `writer.lock` in the ledger folder
before it opens the files, recovers them or consumes any queue (the service's RPCs write the
files too, so single-active-consumer queues alone would not keep a second writer out). A
second process on the same folder waits there, ready to take over: when the active writer
ends, even by SIGKILL, the kernel drops its lock and the standby goes on with its start.
The lock is flock(2), which local filesystems keep and Linux maps onto NFS and CephFS locks.
"""
import fcntl
import logging
import os
from pathlib import Path

import eventlet

from services.ledger.book.files import private_folder
from shared.metrics import LEDGER_WRITER_ACTIVE

log = logging.getLogger(__name__)
LOCK_FILE = "writer.lock"
POLL_SECONDS = 0.2


class WriterLock:
    def __init__(self, directory: str | Path):
        self.path = Path(directory) / LOCK_FILE
        self._handle: int | None = None

    def acquire(self) -> None:
        """Hold the lock, waiting while another process holds it. It is asked for again
        every POLL_SECONDS rather than waited on, so the process's other green threads (its
        health and metrics port) keep answering meanwhile."""
        private_folder(self.path.parent)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        LEDGER_WRITER_ACTIVE.set(0)
        waiting = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    log.info("standby: another ledger process writes %s; taking over when it ends", self.path.parent)
                    waiting = True
                eventlet.sleep(POLL_SECONDS)
        self._handle = handle
        LEDGER_WRITER_ACTIVE.set(1)
        log.info("this process is the ledger's writer%s", " (taken over from the one that ended)" if waiting else "")

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing drops the lock
            self._handle = None
            LEDGER_WRITER_ACTIVE.set(0)

"""Faults of the ledger's files, apart from the domain errors a caller can fix
(shared/errors.py): the files were changed by hand, or the machine could not write."""


class LedgerTampered(RuntimeError):
    """The files hold what the ledger did not write, or lack what it wrote; the message
    names the first such place as file:line."""


class WriteFault(OSError):
    """Writing the files failed (disk full, I/O error); what the write had added was cut
    off again, so the files end with whole entries."""

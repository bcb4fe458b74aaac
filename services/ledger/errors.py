"""Faults of the ledger's files, apart from the domain errors a caller can fix: the files
were changed by hand (`LedgerTampered`, a domain error in shared/errors.py so that callers
and the gateway recognise it), or the machine could not write."""
from sqlalchemy.exc import OperationalError

from shared.errors import LedgerTampered

__all__ = ["LedgerTampered", "WriteFault", "MACHINE_FAULTS"]


class WriteFault(OSError):
    """Writing the files failed (disk full, I/O error); what the write had added was cut
    off again, so the files end with whole entries."""


# What holds the writer's work until the machine lets it go on, rather than failing a message.
MACHINE_FAULTS = (OSError, OperationalError, LedgerTampered)

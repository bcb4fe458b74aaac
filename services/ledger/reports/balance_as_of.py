"""An account's balance at the start of a day, read from the files.

The index keeps current balances only; sign-off needs the float's balance at the end of a
statement, counting corrections dated back into it, so it reads the files once (a text
scan, not Beancount's loader)."""
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.ledger.book.files import period_files
from services.ledger.book.text import postings_before


def balance_before(directory: Path, account: str, currency: str, day: date) -> Decimal:
    return sum((amount for path in period_files(directory)
                for amount in postings_before(path.read_bytes(), account, currency, day.isoformat())),
               Decimal(0))

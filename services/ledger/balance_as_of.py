"""An account's balance at the start of a day, read from the files.

The index keeps current balances only; sign-off needs the float's balance at the end of a
statement, counting corrections dated back into it, so it reads the files once (a text
scan, not Beancount's loader)."""
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.ledger.book import period_files


def balance_before(directory: Path, account: str, currency: str, day: date) -> Decimal:
    leg = re.compile(rf"^  {re.escape(account)}  (-?\d+\.\d{{2}}) {re.escape(currency)}$", re.MULTILINE)
    cutoff = day.isoformat()
    total = Decimal(0)
    for path in period_files(directory):
        text = path.read_text(encoding="utf-8")
        for match in leg.finditer(text):
            start = text.rfind("\n\n", 0, match.start()) + 2
            if text[start:start + 10] < cutoff:
                total += Decimal(match.group(1))
    return total

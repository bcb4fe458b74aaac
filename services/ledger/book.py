"""The Beancount files: a main file that includes the chart of accounts and one file per
month. Appends are whole transactions, flushed and fsynced before the index commits;
nothing in the files is ever rewritten."""
import os
from datetime import date
from pathlib import Path

from services.ledger.entries import Transaction, render

MAIN = "main.beancount"
ACCOUNTS = "accounts.beancount"


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


class Book:
    def __init__(self, directory: str, title: str, opened_on: date):
        self.directory = Path(directory)
        self.title = title
        self.opened_on = opened_on

    @property
    def main_file(self) -> Path:
        return self.directory / MAIN

    def ensure_created(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.main_file.exists():
            _append(self.directory / ACCOUNTS, "; Chart of accounts: open directives, appended as needed.\n")
            _append(self.main_file, f'option "title" "{self.title}"\n'
                                    f'option "booking_method" "STRICT"\n'
                                    f'include "{ACCOUNTS}"\n')

    def period_file(self, day: date) -> Path:
        relative = Path(f"{day.year:04d}") / f"{day.year:04d}-{day.month:02d}.beancount"
        path = self.directory / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _append(path, f"; Transactions of {day.year:04d}-{day.month:02d}.\n")
            _append(self.main_file, f'include "{relative.as_posix()}"\n')
        return path

    def open_account(self, account: str) -> None:
        _append(self.directory / ACCOUNTS, f"{self.opened_on.isoformat()} open {account}\n")

    def append(self, txn: Transaction, previous_hash: str) -> str:
        """Append one transaction to its period file; returns its chain hash."""
        text, digest = render(txn, previous_hash)
        _append(self.period_file(txn.day), "\n" + text)
        return digest

"""The Beancount files: a main file that includes the chart of accounts and one file per
month. Appends are whole transactions, flushed and fsynced before the index commits;
nothing in the files is ever rewritten."""
import os
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.ledger.book import text
from services.ledger.book.data import Balance, Open, Transaction
from shared.metrics import LEDGER_APPEND_SECONDS, LEDGER_FSYNC_SECONDS, timed

MAIN = "main.beancount"
ACCOUNTS = "accounts.beancount"


def period_files(directory: Path) -> list[Path]:
    """The period files in the order the main file includes them: the order of the chain."""
    return [directory / relative for relative, _ in text.period_includes((directory / MAIN).read_text(encoding="utf-8"))]


def _append(path: Path, content: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        with timed(LEDGER_APPEND_SECONDS):
            handle.write(content)
            handle.flush()
        with timed(LEDGER_FSYNC_SECONDS):
            os.fsync(handle.fileno())


class LedgerFiles:
    """The files of one ledger: where each entry goes, and appending it."""

    def __init__(self, directory: str, title: str, opened_on: date):
        self.directory = Path(directory)
        self.title = title
        self.opened_on = opened_on
        self._grouping = False
        self._latest: date | None = None
        self._pending: tuple[Path, list[str]] | None = None
        self._periods: dict[tuple[int, int], Path] = {}  # period files are never removed: known once, for good

    @property
    def main_file(self) -> Path:
        return self.directory / MAIN

    def ensure_created(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.main_file.exists():
            _append(self.directory / ACCOUNTS, text.CHART_HEADER)
            _append(self.main_file, text.main_header(self.title, ACCOUNTS))

    def latest_period(self) -> date:
        """The first day of the latest period file's month (the opening month before any)."""
        if self._latest is None:
            months = [month for _, month in text.period_includes(self.main_file.read_text(encoding="utf-8"))]
            self._latest = max(months, default=self.opened_on.replace(day=1))
        return self._latest

    def head_file(self, day: date) -> Path:
        """Where an entry dated `day` is appended: its month's file, or the latest file when
        it is dated earlier (a backdated fee or correction), so the files keep the chain's
        order of appends; Beancount orders entries by date."""
        return self.period_file(max(day, self.latest_period()))

    def period_file(self, day: date) -> Path:
        if (known := self._periods.get((day.year, day.month))) is not None:
            return known
        relative = Path(f"{day.year:04d}") / f"{day.year:04d}-{day.month:02d}.beancount"
        path = self.directory / relative
        if not path.exists():
            self.flush()
            path.parent.mkdir(parents=True, exist_ok=True)
            _append(path, text.period_header(day))
            _append(self.main_file, text.include(relative.as_posix()))
            self._latest = max(day.replace(day=1), self.latest_period())
        self._periods[(day.year, day.month)] = path
        return path

    def open_account(self, account: str) -> None:
        self._write(self.directory / ACCOUNTS, text.render_open(Open(self.opened_on, account)))

    def append(self, txn: Transaction, previous_hash: str) -> str:
        """Append one transaction to its period file; returns its chain hash."""
        rendered, digest = text.render(txn, previous_hash)
        self._write(self.head_file(txn.day), "\n" + rendered)
        return digest

    def assert_balance(self, day: date, account: str, amount: Decimal, currency: str) -> None:
        """A Beancount `balance` assertion: from now on the loader checks the account held
        exactly `amount` at the start of `day`."""
        self._write(self.head_file(day), text.render_balance(Balance(day, account, amount, currency)))

    @contextmanager
    def grouped(self):
        """Appends inside are held in memory and written when the block ends, one write and
        one fsync per run of appends to the same file. Runs reach the disk in the order they
        were appended, so only the last file written can end torn. If the block raises,
        what was not yet written is dropped."""
        self._grouping = True
        try:
            yield self
            self.flush()
        finally:
            self._grouping, self._pending = False, None

    def flush(self) -> None:
        if self._pending:
            path, texts = self._pending
            self._pending = None
            _append(path, "".join(texts))

    def _write(self, path: Path, text: str) -> None:
        if not self._grouping:
            _append(path, text)
            return
        if self._pending and self._pending[0] != path:
            self.flush()
        if not self._pending:
            self._pending = (path, [])
        self._pending[1].append(text)

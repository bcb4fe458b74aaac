"""The Beancount files: a main file that includes the chart of accounts and one file per
month. Appends are whole directives, flushed and fsynced before the index commits; nothing
in the files is ever rewritten. A write that fails is cut back at once to the size the file
had before it, so a full disk or an I/O error never leaves half an entry behind. Start-up
checks every file against the index; from then on the writer remembers each file as it left
it (size and time of change), and appends nothing while any of them is found otherwise: it
was changed by hand (a line typed into the main file or the chart as much as into a month),
start-up would refuse the ledger as it is, and the next recovery's inspection says where.

The books name programmes, donors and payment references: every folder the ledger makes is
0700 and every file 0600, as the services' databases are."""
import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from services.ledger.book import text
from services.ledger.book.data import Balance, Close, Open, Transaction
from services.ledger.errors import LedgerTampered, WriteFault
from shared.metrics import LEDGER_APPEND_SECONDS, LEDGER_FSYNC_SECONDS, timed

MAIN = "main.beancount"
ACCOUNTS = "accounts.beancount"


def period_files(directory: Path) -> list[Path]:
    """The period files in the order the main file includes them: the order of the chain."""
    return [directory / relative for relative, _ in text.period_includes((directory / MAIN).read_text(encoding="utf-8"))]


def private_folder(path: Path) -> None:
    """Create the folder, if missing, readable by its owner only (0700)."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode passes through the umask


def empty_private_file(path: Path) -> None:
    """Create the file empty (or empty it), readable by its owner only (0600) when new."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


def _stamp(stat: os.stat_result) -> tuple[int, int]:
    """What the writer remembers of a file it left: its size and the time it last changed."""
    return stat.st_size, stat.st_mtime_ns


def _changed(name: str, expected: tuple[int, int], found: tuple[int, int] | None) -> LedgerTampered:
    now = "it is gone now" if found is None else f"{found[0]} now"
    return LedgerTampered(f"{name}: changed outside the writer since its last append ({expected[0]} bytes then, "
                          f"{now}); nothing was written: put it back as the writer left it, or run "
                          "`ddrr ledger verify` to see where")


def _append(path: Path, content: str, expected: tuple[int, int] | None = None) -> tuple[int, int]:
    """Append and fsync; the file's stamp afterwards. Refused, with nothing written, when
    the file's stamp is not `expected` (someone else wrote to it, edited it or cut it)."""
    data = memoryview(content.encode("utf-8"))
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        found = _stamp(os.fstat(handle))
        if expected is not None and found != expected:
            raise _changed(path.name, expected, found)
        size = found[0]
        try:
            with timed(LEDGER_APPEND_SECONDS):
                while data:
                    data = data[os.write(handle, data):]
            with timed(LEDGER_FSYNC_SECONDS):
                os.fsync(handle)
        except OSError as fault:
            os.ftruncate(handle, size)  # truncating frees space: it works on a full disk
            os.fsync(handle)
            raise WriteFault(fault.errno, f"writing {path.name} failed ({fault.strerror or fault}); "
                                          f"cut back to its {size} bytes") from fault
        return _stamp(os.fstat(handle))
    finally:
        os.close(handle)


class LedgerFiles:
    """The files of one ledger: where each entry goes, and appending it."""

    def __init__(self, directory: str, title: str, opened_on: date, currency: str = "USD"):
        self.directory = Path(directory)
        self.title = title
        self.currency = currency  # the operating currency Fava reports in
        self.opened_on = opened_on
        self._grouping = False
        self._latest: date | None = None
        self._pending: tuple[Path, list[str]] | None = None
        self._periods: dict[tuple[int, int], Path] = {}  # period files are never removed: known once, for good
        self.written = 0  # appends that reached the disk: a writer that failed compares it to know if it is behind
        self._stamps: dict[Path, tuple[int, int]] = {}  # each file as the writer left it: anything else is tampering

    @property
    def main_file(self) -> Path:
        return self.directory / MAIN

    def ensure_created(self) -> None:
        private_folder(self.directory)
        if not self.main_file.exists():  # nothing is committed before the main file exists
            empty_private_file(self.directory / ACCOUNTS)
            _append(self.directory / ACCOUNTS, text.CHART_HEADER)
            _append(self.main_file, text.main_header(self.title, ACCOUNTS, self.currency))

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
        """The month's file, created with its header and included by the main file when
        new: the header first, so a crash in between leaves a file the main file does not
        include yet, holding no more than its header, which is written again."""
        if (known := self._periods.get((day.year, day.month))) is not None:
            return known
        relative = f"{day.year:04d}/{day.year:04d}-{day.month:02d}.beancount"
        path = self.directory / relative
        if relative not in {name for name, _ in text.period_includes(self.main_file.read_text(encoding="utf-8"))}:
            self.flush()
            header = text.period_header(day)
            if path.exists() and not header.encode().startswith(path.read_bytes()):
                raise LedgerTampered(f"{relative}:1: the main file does not include it, yet it holds entries")
            private_folder(path.parent)
            empty_private_file(path)
            self._append(path, header)
            self._append(self.main_file, text.include(relative))
            self._latest = max(day.replace(day=1), self.latest_period())
        self._periods[(day.year, day.month)] = path
        return path

    def file_of(self, entry: Transaction | Open | Close | Balance) -> Path:
        return self.directory / ACCOUNTS if isinstance(entry, (Open, Close)) else self.head_file(entry.day)

    def append(self, entry: Transaction | Open | Close | Balance, previous_hash: str) -> str:
        """Append one directive, sealed after `previous_hash`, to its file: an `open` or a
        `close` to the chart of accounts, anything else to its period file. Returns its hash."""
        rendered, digest = text.render(entry, previous_hash)
        self._write(self.file_of(entry), rendered)
        return digest

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
            self._append(path, "".join(texts))

    def inspected(self) -> None:
        """The files as they are now were checked against the index (start-up recovery):
        from here on, a file not as the writer left it (size, time of change) is refused."""
        for path in (self.main_file, self.directory / ACCOUNTS, *period_files(self.directory)):
            self._stamps[path] = _stamp(path.stat())

    def _others_as_left(self, path: Path) -> None:
        for other, expected in self._stamps.items():
            if other != path:
                try:
                    found = _stamp(other.stat())
                except FileNotFoundError:
                    found = None
                if found != expected:
                    raise _changed(str(other.relative_to(self.directory)), expected, found)

    def _append(self, path: Path, content: str) -> None:
        self._others_as_left(path)
        try:
            self._stamps[path] = _append(path, content, self._stamps.get(path))
        except WriteFault:
            self._stamps[path] = _stamp(path.stat())  # cut back by the writer itself
            raise
        self.written += 1

    def _write(self, path: Path, text: str) -> None:
        if not self._grouping:
            self._append(path, text)
            return
        if self._pending and self._pending[0] != path:
            self.flush()
        if not self._pending:
            self._pending = (path, [])
        self._pending[1].append(text)

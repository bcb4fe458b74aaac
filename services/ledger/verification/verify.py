"""Verification of the ledger files: Beancount's own checks, the hash chain and unique keys.

One streaming pass reads every period file: the hash chain, the idempotency keys, and what
each file adds to each account on each day. Beancount's loader is the cost (about 6 s and
420 MB per 100,000 transactions here, with the garbage collector off), so a large ledger is
loaded one period file at a time, in worker processes, while the pass goes on. Each worker
loads a generated main file: the real main file's options and chart of accounts, then what
the other files add to each account before the file's balance assertions (so they check what
they would in one load), then an include of the real period file (so errors name its lines).
A small ledger, or one with directives that reach across files (pad, open, close in a period
file), is loaded whole in this process.
"""
import gc
import os
import tempfile
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from multiprocessing import get_context
from multiprocessing.connection import wait
from pathlib import Path

from beancount import loader

from services.ledger.book.files import ACCOUNTS, MAIN
from services.ledger.book.text import (GENESIS, days_and_postings, included, keyed_meta, opens, other_directives,
                                       seal, transaction_blocks, unseal)

CROSS_FILE = {"open", "close", "pad"}  # directives whose effect reaches into other period files
PARALLEL_ABOVE = 4 * 2**20  # bytes of period files, about 10,000 transactions: below, one process is faster
CARRIED = "Equity:Verify:CarriedForward"


@dataclass
class Report:
    """What verify found; `loaded_by_period` says which way Beancount's loader ran."""
    transactions: int = 0
    beancount_errors: list[str] = field(default_factory=list)
    chain_errors: list[str] = field(default_factory=list)
    key_errors: list[str] = field(default_factory=list)
    loaded_by_period: bool = False

    @property
    def ok(self) -> bool:
        return not self.beancount_errors and not self.chain_errors and not self.key_errors


@dataclass
class Period:
    """What the streaming pass learned about one period file, to plan its own load."""
    path: str
    days: dict[str, dict[tuple[str, str], Decimal]] = field(default_factory=dict)  # day -> account -> sum
    total: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    first: str | None = None  # earliest dated directive
    last_balance: str | None = None
    splittable: bool = True


@dataclass
class Chain:
    """The streaming pass's state across files: the last good hash and the keys seen."""
    previous: str = GENESIS
    broken: bool = False
    seen: dict = field(default_factory=dict)


def check_keys(text: str, where: str, seen: dict, report: Report) -> None:
    """An idempotency key appears once per kind of entry (one payable, one answer); a
    funding reference once; the entry key of finance's fees, adjustments and corrections once."""
    found = keyed_meta(text)
    kind = "answer" if found.get("entry") in ("payment", "reversal") else found.get("entry", "")
    for key, kind in ((found.get("idempotency-key") or found.get("funding-reference"), kind),
                      (found.get("entry-key"), "entry-key")):
        if key is None:
            continue
        if (key, kind) in seen:
            report.key_errors.append(f"{where}: {key} ({kind}) already at {seen[(key, kind)]}")
        seen.setdefault((key, kind), where)


def scan(path: Path, chain: Chain, report: Report) -> Period:
    """The chain and keys of one period file (until the first break), and its totals and dates."""
    period = Period(os.path.abspath(path))
    if not path.exists():
        period.splittable = False  # the whole-file load names it, on the main file's line
        return period
    text = path.read_text(encoding="utf-8")
    line, position = 1, 0
    for start, block in transaction_blocks(text):
        report.transactions += 1
        if chain.broken:
            continue
        line += text.count("\n", position, start)
        position = start
        body, digest = unseal(block)
        where = f"{path.name}:{line}"
        if digest != seal(chain.previous, body):
            report.chain_errors.append(f"{where}: hash chain broken (edited, removed or reordered)")
            chain.broken = True
            continue
        check_keys(body, where, chain.seen, report)
        chain.previous = digest
    others = other_directives(text)
    period.last_balance = max((day for day, kind in others if kind == "balance"), default=None)
    period.splittable = not any(kind in CROSS_FILE for _day, kind in others)
    amounts: dict[tuple[str, str, str], list[str]] = {}
    day = first = None
    for found, account, amount, currency in days_and_postings(text):
        if found:
            day = found
            if first is None or day < first:
                first = day
        elif account and day:
            amounts.setdefault((day, account, currency), []).append(amount)
        else:
            period.splittable = False  # a posting this pass cannot sum
    period.first = first
    for (day, account, currency), values in amounts.items():
        total = sum(map(Decimal, values), Decimal(0))
        period.days.setdefault(day, {})[account, currency] = total
        period.total[account, currency] = period.total.get((account, currency), Decimal(0)) + total
    try:
        for day in [*period.days, *([first] if first else [])]:
            date.fromisoformat(day)
    except ValueError:
        period.splittable = False  # not a date: Beancount names it
    return period


def carried_into(period: Period, periods: list[Period]) -> list[tuple[str, dict]] | None:
    """What the other period files add to each account before the file's last balance
    assertion: up to the day before the file's first directive in one sum, then day by day.
    None when the file holds directives that reach across files."""
    if not period.splittable:
        return None
    if period.last_balance is None:
        return []
    start = (date.fromisoformat(period.first) - timedelta(days=1)).isoformat()
    carried: dict[str, dict[tuple[str, str], Decimal]] = {}

    def add(day: str, amounts: dict) -> None:
        into = carried.setdefault(day, {})
        for key, amount in amounts.items():
            into[key] = into.get(key, Decimal(0)) + amount

    for other in periods:
        if other is period or not other.days:
            continue
        if max(other.days) < period.first:
            add(start, other.total)
            continue
        for day, amounts in other.days.items():
            if day < period.last_balance:
                add(start if day < period.first else day, amounts)
    return sorted(carried.items())


def opening(carried: list[tuple[str, dict]], opened: dict[str, str]) -> str:
    """One transaction per day carried; an account not open on that day (only after an error
    elsewhere) is left out, balanced against an account of verify's own."""
    lines = []
    for day, amounts in carried:
        legs = [(account, currency, amount) for (account, currency), amount in sorted(amounts.items())
                if amount and opened.get(account, "9999-99-99") <= day]
        offsets: dict[str, Decimal] = {}
        for _account, currency, amount in legs:
            offsets[currency] = offsets.get(currency, Decimal(0)) - amount
        if legs:
            lines.append(f'{day} * "Carried from the other period files"')
            lines += [f"  {account}  {amount} {currency}" for account, currency, amount in legs]
            lines += [f"  {CARRIED}  {amount} {currency}" for currency, amount in offsets.items() if amount]
    return "\n".join([f"{carried[0][0]} open {CARRIED}", *lines, ""]) if lines else ""


def load(main: str) -> list[tuple]:
    """Beancount's loader, as (file, line, message) of each error. No pickle cache (for this
    whole process): verify re-reads the files. The garbage collector is off meanwhile: the
    loader makes millions of objects and no garbage cycles, and runs about a third faster."""
    loader.initialize(use_cache=False)
    collecting = gc.isenabled()
    gc.disable()
    try:
        errors = loader.load_file(main)[1]
    finally:
        if collecting:
            gc.enable()
    found = []
    for error in errors:
        source = error.source or {}
        line = source.get("lineno")
        found.append((source.get("filename", "?" if error.source else ""), line if isinstance(line, int) else 0,
                      error.message))
    return found


def load_period(header: str, opening_text: str, period: str, main: str, scratch: str) -> list[tuple]:
    """In a worker: one period file after what it carries from the others, through a generated
    main file in `scratch` whose first lines are the real main file's, line for line."""
    handle, generated = tempfile.mkstemp(suffix=".beancount", dir=scratch)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(f'{header}{opening_text}include "{period}"\n')
    found = []
    for name, line, message in load(generated):
        if name != generated:
            found.append((name, line, message))
        elif line <= header.count("\n"):
            found.append((main, line, message))
        else:
            found.append(("", 0, f"bug in verify: Beancount refuses what it carries into {period}: {message}"))
    return found


def serve(connection) -> None:
    """A worker process: load each period it is sent, until it is sent None. Its end of the
    pipe is made blocking: under eventlet, the parent made a non-blocking socket pair."""
    os.set_blocking(connection.fileno(), True)
    for job in iter(connection.recv, None):
        connection.send(load_period(*job))


class Workers:
    """Worker processes, each sent one job at a time over a pipe. Spawned: fresh interpreters,
    not forks of one that eventlet may have monkey-patched. No threads, unlike
    ProcessPoolExecutor, whose wake-up pipe eventlet's hub refuses to share between them."""

    def __init__(self, count: int):
        context = get_context("spawn")
        self.processes, self.idle, self.busy = [], [], {}
        self.queue, self.wanted, self.results = deque(), {}, {}
        for _ in range(count):
            ours, theirs = context.Pipe()
            self.processes.append(context.Process(target=serve, args=(theirs,), daemon=True))
            self.processes[-1].start()
            theirs.close()
            self.idle.append(ours)

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        for process in self.processes:
            process.terminate()
            process.join()

    def submit(self, key, job: tuple) -> None:
        """Queue a job, unless it is the one already wanted for `key`; it supersedes that one."""
        if self.wanted.get(key) != job:
            self.wanted[key] = job
            self.results.pop(key, None)
            self.queue.append((key, job))
        self.run(block=False)

    def run(self, block: bool) -> dict:
        """Hand queued jobs to idle workers and take in what they finished; with `block`, until
        all are done. Returns the results of the jobs wanted, by key."""
        while True:
            while self.idle and self.queue:
                connection, (key, job) = self.idle.pop(), self.queue.popleft()
                connection.send(job)
                self.busy[connection] = key, job
            ready = wait(list(self.busy), timeout=None if block else 0) if self.busy else []
            if not ready:
                return self.results
            for connection in ready:
                key, job = self.busy.pop(connection)
                try:
                    result = connection.recv()
                except EOFError:
                    raise RuntimeError("a verify worker process died (its error is above)") from None
                if self.wanted[key] == job:
                    self.results[key] = result
                self.idle.append(connection)


def header(directory: Path) -> str:
    """The main file with its period files left out (as blank lines, to keep line numbers)
    and its other includes made absolute."""
    lines = []
    for line in (directory / MAIN).read_text(encoding="utf-8").splitlines():
        target = included(line)
        if target and target.endswith(ACCOUNTS):
            lines.append(f'include "{os.path.abspath(directory / target)}"')
        else:
            lines.append("" if target else line)
    return "\n".join(lines) + "\n"


def opened_accounts(directory: Path) -> dict[str, str]:
    path = directory / ACCOUNTS
    opened: dict[str, str] = {}
    for day, account in opens(path.read_text(encoding="utf-8") if path.exists() else ""):
        opened.setdefault(account, day)
    return opened


def scan_and_load(directory: Path, paths: list[Path], chain: Chain, report: Report) -> list[tuple] | None:
    """Scan the period files in order and hand each to a worker as soon as it is scanned, with
    what the files scanned before it carry into it: right when the files come in date order.
    Once all are scanned they decide; a load that was given other balances is done again.
    None when a file holds directives that reach across files."""
    opened, main_text, main = opened_accounts(directory), header(directory), os.path.abspath(directory / MAIN)
    periods = []
    with tempfile.TemporaryDirectory(prefix="ddrr-verify-") as scratch, \
            Workers(min(len(paths), os.cpu_count() or 1)) as workers:

        def submit(index: int, carried: list) -> None:
            workers.submit(index, (main_text, opening(carried, opened), periods[index].path, main, scratch))

        for index, path in enumerate(paths):
            periods.append(scan(path, chain, report))
            if (carried := carried_into(periods[-1], periods)) is not None:
                submit(index, carried)
        plan = [carried_into(period, periods) for period in periods]
        if any(carried is None for carried in plan):
            return None
        for index, carried in enumerate(plan):
            submit(index, carried)
        results = workers.run(block=True)
        return [error for index in range(len(periods)) for error in results[index]]


def verify(directory: str, expected_head: str | None = None, parallel: bool | None = None) -> Report:
    """Check the files; with the index's chain head, also notice a truncated tail.
    `parallel` forces (True) or avoids (False) the per-period load; by default the
    ledger's size decides."""
    directory = Path(directory)
    report, chain = Report(), Chain()
    paths = [directory / target for line in (directory / MAIN).read_text(encoding="utf-8").splitlines()
             if (target := included(line)) and not target.endswith(ACCOUNTS)]
    if parallel is None:
        size = sum(path.stat().st_size for path in paths if path.exists())
        parallel = (os.cpu_count() or 1) > 1 and size > PARALLEL_ABOVE
    errors = None
    if parallel and paths:
        errors = scan_and_load(directory, paths, chain, report)
    else:
        for path in paths:
            scan(path, chain, report)
    report.loaded_by_period = errors is not None
    if errors is None:
        errors = load(os.path.abspath(directory / MAIN))
    report.beancount_errors = [f"{name}:{line}: {message}" if name else message
                               for name, line, message in sorted(set(errors))]
    if expected_head is not None and not report.chain_errors and chain.previous != expected_head:
        report.chain_errors.append("the last transaction in the files is not the one the index recorded "
                                   "(transactions removed from the end?)")
    return report

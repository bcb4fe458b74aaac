"""Benchmark: `ddrr ledger verify` over a synthetic ledger of disbursements, next to Beancount's
plain loader over the same files. Each is timed in a child process of its own so its wall time
and peak RSS (resource.getrusage) are not mixed with the generator's."""
import argparse
import calendar
import multiprocessing
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from services.ledger.book import chart
from services.ledger.book.files import LedgerFiles
from services.ledger.book.data import Balance, Leg, Open, Transaction
from services.ledger.book.integrity import Anchor, Checkpoint
from services.ledger.book.text import GENESIS, render

RAIL, DONOR, CURRENCY = "SimMobile", "Donor", "USD"
PROGRAMMES = ("LG-2026", "LG-2027")
FLOAT = chart.rail_float(RAIL)
BANK, INCOME = chart.donor_accounts(DONOR)
FEES = "Expenses:Fees:MobileMoney"
LOADER_UP_TO = 1_000_000


def _disbursement(n: int, day: date) -> list[Transaction]:
    """A payable and the rail's answer, shaped like services/ledger/posting.py writes them;
    one in twenty is declined and reversed."""
    kind = "ALLOWANCE" if n % 5 == 0 else "GRANT"
    programme = PROGRAMMES[n % 2]
    amount = Decimal(50 + n % 400) + Decimal("0.25") * (n % 4)
    payable, expense = chart.PAYABLE[kind], chart.expense(kind, programme)
    meta = {"idempotency-key": f"{kind.lower()}:G-{n}:t1:a1", "disbursement-id": f"D-{n:08d}",
            "participant": f"P-{n % 60_000:06X}", "programme": programme, "cycle": f"{day:%Y-%m}"}
    links = (f"disb-D-{n:08d}", f"{kind.lower()}-G-{n}")
    first = Transaction(day, f"{kind.title()} payable",
                        (Leg(expense, amount, CURRENCY), Leg(payable, -amount, CURRENCY)),
                        {**meta, "entry": "payable"}, links)
    if n % 20 == 19:
        answer = Transaction(day, f"{kind.title()} payment failed: reversal",
                             (Leg(payable, amount, CURRENCY), Leg(expense, -amount, CURRENCY)),
                             {**meta, "entry": "reversal", "reason": "DECLINED"}, links)
    else:
        answer = Transaction(day, f"{kind.title()} paid by {RAIL}",
                             (Leg(payable, amount, CURRENCY), Leg(FLOAT, -amount, CURRENCY)),
                             {**meta, "entry": "payment", "rail-reference": f"SIM{n:012X}"}, links)
    return [first, answer]


def _fee(day: date, amount: Decimal) -> Transaction:
    return Transaction(day, f"{RAIL} fees", (Leg(FEES, amount, CURRENCY), Leg(FLOAT, -amount, CURRENCY)),
                       {"entry": "fee"})


def write_ledger(directory: Path, transactions: int, start: date = date(2025, 1, 1), months: int | None = None) -> Checkpoint:
    """`transactions` transactions over 12 to 24 monthly files (or `months`), chained as the
    ledger service chains them. Each month: a donor's funding, then disbursements. From the
    second month, as finance reconciles the month before, the latest file also gets that
    month's statement fees (backdated to its last day) and then the sign-off's balance
    assertions (dated the 1st). With one month, its file gets assertions dated the 1st too.
    Returns the chain heads the index would hold."""
    months = months or min(24, max(12, transactions // 40_000))
    files = LedgerFiles(str(directory), "Benchmark", start)
    files.ensure_created()
    opened = sorted({BANK, INCOME, FLOAT, FEES, *chart.PAYABLE.values(),
                     *(chart.expense(kind, p) for kind in chart.PAYABLE for p in PROGRAMMES)})
    chart_head = GENESIS
    for account in opened:
        chart_head = files.append(Open(start, account), chart_head)
    previous, balances, n, written, entries = GENESIS, {BANK: Decimal(0), FLOAT: Decimal(0)}, 0, 0, 0
    for month in range(months):
        first = date(start.year + (start.month - 1 + month) // 12, (start.month - 1 + month) % 12 + 1, 1)
        days = calendar.monthrange(first.year, first.month)[1]
        quota = (transactions * (month + 1)) // months - written
        funding = Decimal(200) * quota
        txns = [Transaction(first, f"Funding received from {DONOR}", (
            Leg(BANK, funding, CURRENCY), Leg(INCOME, -funding, CURRENCY)),
            {"funding-reference": f"BANK/{first:%Y%m}", "programme": PROGRAMMES[0], "entry": "funding"},
            (f"funding-BANK-{first:%Y%m}",))]
        if month:
            txns.append(_fee(first - timedelta(days=1), Decimal("0.05") * written))
        signed_off = dict(balances)
        while len(txns) < quota:
            day = first.replace(day=1 + len(txns) * days // quota)
            if len(txns) + 3 <= quota:
                txns += _disbursement(n, day)
                n += 1
            else:
                txns.append(_fee(day, Decimal("1.50")))
        parts = []
        for number, txn in enumerate(txns):
            text, previous = render(txn, previous)
            parts.append(text)
            for leg in txn.legs:
                if leg.account in balances:
                    balances[leg.account] += leg.amount
                    if txn.day < first:
                        signed_off[leg.account] += leg.amount
            if (month or months == 1) and number == len(txns) // 3:
                for account, amount in signed_off.items():
                    text, previous = render(Balance(first, account, amount, CURRENCY), previous)
                    parts.append(text)
                    entries += 1
        with open(files.period_file(first), "a", encoding="utf-8") as handle:
            handle.write("".join(parts))
        written += len(txns)
        entries += len(txns)
    return Checkpoint(Anchor(entries, previous), Anchor(len(opened), chart_head))


def _timed(connection, target, args) -> None:
    started = time.perf_counter()
    outcome = target(*args)
    elapsed = time.perf_counter() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    connection.send((elapsed, cpu, peak_rss_mib(), children.ru_maxrss / 1024, outcome))


def peak_rss_mib() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux keeps that across
    exec, so a child spawned by a large benchmark process would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def in_child(target, *args):
    """Run target(*args) in a fresh interpreter: (wall seconds, CPU seconds with its own child
    processes, its peak RSS in MiB, the largest peak RSS among its children in MiB, result)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_timed, args=(theirs, target, args))
    child.start()
    figures = ours.recv()
    child.join()
    return figures


def run_verify(directory: str, anchor: Checkpoint, beancount: bool = False) -> str:
    from services.ledger.verification.verify import verify

    report = verify(directory, anchor, beancount=beancount)
    loaded = f", Beancount's loader {'in parts' if report.loaded_by_period else 'whole'}" if beancount else ""
    return f"{report.transactions:,} transactions, ok={report.ok}{loaded}"


def run_start_inspection(directory: str, anchor: Checkpoint) -> str:
    """What the writer's start-up does before it takes a message: every entry of both chains
    checked against the index (here: all of them committed)."""
    from services.ledger.writer.inspection import inspect

    found = inspect(Path(directory), anchor)
    return f"{len(found.journal)} entries to index, {len(found.torn)} unfinished writes"


def run_loader(main_file: str) -> str:
    """Beancount's loader as a user runs it, less the pickle cache (it would write the
    whole ledger out again, and a second run would not read the files)."""
    from beancount import loader

    loader.initialize(use_cache=False)
    entries, errors, _options = loader.load_file(main_file)
    return f"{len(entries):,} directives, {len(errors)} errors"


def ledger(directory: Path, transactions: int, months: int | None) -> Checkpoint:
    """The ledger in `directory`, written there unless a run before left it (with its anchor)."""
    anchor = directory / "anchor.txt"
    if not anchor.exists():
        started = time.perf_counter()
        anchor.write_text(write_ledger(directory, transactions, months=months).line())
        print(f"ledger verify: wrote a ledger of {transactions:,} transactions in "
              f"{time.perf_counter() - started:.1f} s into {directory}")
    return Checkpoint.parse(anchor.read_text())


def measure(directory: Path, transactions: int, months: int | None, beancount: bool, start_up: bool,
            loader: bool) -> None:
    anchor = ledger(directory, transactions, months)
    shape = "in one month" if months == 1 else f"over {months or 'the default'} months"
    runs = [("ddrr ledger verify", run_verify, (str(directory), anchor))]
    if beancount:
        runs.append(("ddrr ledger verify --beancount", run_verify, (str(directory), anchor, True)))
    if start_up:
        runs.append(("writer start-up inspection", run_start_inspection, (str(directory), anchor)))
    if loader:
        runs.append(("Beancount's loader alone", run_loader, (f"{directory}/main.beancount",)))
    for name, target, args in runs:
        seconds, cpu, own, workers, outcome = in_child(target, *args)
        print(f"ledger verify: {name} over {transactions:,} transactions {shape}: {seconds:.1f} s ({cpu:.0f} s CPU, "
              f"load {os.getloadavg()[0]:.1f}), peak RSS {own:,.0f} MiB + workers of at most {workers:,.0f} MiB "
              f"each ({outcome})")


def main(transactions: int, one_month: bool = False) -> None:
    """Verify over `transactions` (and 100,000, when more), and Beancount's loader alone over
    the same files up to LOADER_UP_TO transactions (it needs about 4 GB per million); with
    `one_month`, every transaction falls in one month (one period file), and the writer's
    start-up inspection is timed too."""
    for count in sorted({min(transactions, 100_000), transactions}):
        with tempfile.TemporaryDirectory() as scratch:
            measure(Path(scratch), count, 1 if one_month else None, beancount=False, start_up=one_month,
                    loader=not one_month and count <= LOADER_UP_TO)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Time `ddrr ledger verify` and the writer's start-up inspection "
                                                 "over a synthetic ledger")
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--months", type=int, help="period files (default: 12 to 24 by size; 1: one big file)")
    parser.add_argument("--ledger", type=Path, help="keep the ledger in this folder, and use it again when it exists")
    parser.add_argument("--beancount", action="store_true", help="time verify --beancount too")
    parser.add_argument("--start-up", action="store_true", help="time the writer's start-up inspection too")
    parser.add_argument("--loader", action="store_true", help="time Beancount's loader alone too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        measure(options.ledger or Path(scratch), options.transactions, options.months, options.beancount,
                options.start_up, options.loader)

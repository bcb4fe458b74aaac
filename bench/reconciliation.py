"""Benchmark: reconciling a synthetic mobile-money statement against the payments the
ledger expects (matches, fees, duplicates, reversals, mismatches and missing lines): the
matcher alone, then the whole import finance runs (parse the CSV, match, keep every line,
post the fees, durably)."""
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import Posting
from services.ledger.writer.posting import LedgerWriter
from services.ledger.rail import SimulatedRail
from services.ledger.reconciliation.matcher import ExpectedPayment, reconcile
from services.ledger.reconciliation.workflow import Reconciliation
from services.ledger.reconciliation.importer import StatementLine
from services.ledger.verification.verify import verify
from shared.db import make_engine
from shared.migrations import upgrade

HEADER = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference"


def synthetic(count: int, start: datetime = datetime(2026, 11, 1)) -> tuple[list[StatementLine], list[ExpectedPayment]]:
    """A statement of `count` lines with a known mix, for benchmarks: per 10 payments,
    7 matched, 1 amount mismatch, 1 unmatched, 1 duplicate of the one before; one fee line
    per payment; one expected payment missing from the statement per 10."""
    lines, expected = [], []
    balance = Decimal("100000000.00")
    n = 0
    while len(lines) < count:
        reference = f"SIM{n:012X}"
        amount = Decimal(100 + n % 400) + Decimal("0.25")
        kind = n % 10
        when = start + timedelta(seconds=n)
        if kind != 8:
            expected.append(ExpectedPayment(f"D-{n:08d}", reference, amount, "USD"))
        if kind == 9:
            expected.append(ExpectedPayment(f"D-M{n:07d}", f"SIMMISSING{n:08X}", amount, "USD"))
        paid = amount + 1 if kind == 7 else amount
        balance -= paid
        lines.append(StatementLine(f"R{n:09d}", when, "Business payment", "Completed", Decimal("0.00"), paid,
                                   balance, reference if kind != 8 else f"SIMUNKNOWN{n:06X}"))
        if kind == 6:
            lines.append(StatementLine(f"R{n:09d}D", when, "Business payment", "Completed", Decimal("0.00"), paid,
                                       balance, reference))
        balance -= Decimal("0.50")
        lines.append(StatementLine(f"R{n:09d}", when, "Business payment charge", "Completed", Decimal("0.00"),
                                   Decimal("0.50"), balance, reference))
        n += 1
    return lines[:count], expected


def bench(count: int = 100_000) -> float:
    """Reconcile a synthetic statement of `count` lines; prints and returns the seconds taken."""
    lines, expected = synthetic(count)
    started = time.perf_counter()
    result = reconcile(lines, expected)
    elapsed = time.perf_counter() - started
    counts = result.counts()
    print(f"reconciliation: {len(lines):,} statement lines against {len(expected):,} expected payments "
          f"in {elapsed:.2f} s = {len(lines) / elapsed:,.0f} lines/s "
          f"({counts['MATCHED']:,} matched, {len(lines) - counts['MATCHED'] - counts['FEE']:,} line exceptions, "
          f"{counts['MISSING_FROM_STATEMENT']:,} missing)")
    return elapsed


def as_csv(lines: list[StatementLine], account: str) -> str:
    rows = [f"{line.receipt},{line.completed_at:%Y-%m-%d %H:%M:%S},{line.details},{line.status},"
            f"{line.paid_in or ''},{line.withdrawn or ''},{line.balance},{line.reference}" for line in lines]
    return "\n".join([f"Account: {account}", HEADER, *rows]) + "\n"


def bench_import(count: int = 100_000) -> float:
    """Import a statement of `count` lines through `Reconciliation` into a scratch SQLite
    index and ledger, the expected payments already in the index; prints the seconds taken."""
    lines, expected = synthetic(count)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/ledger.db"
        upgrade("ledger", url)
        engine = make_engine(url)
        files = LedgerFiles(f"{scratch}/books", "Benchmark", date(2026, 1, 1))
        files.ensure_created()
        now = datetime.now(timezone.utc)
        with Session(engine) as session, session.begin():
            rows = [dict(idempotency_key=f"bench:{p.disbursement_id}", request_hash="-", programme="LG-2026",
                         disbursement_id=p.disbursement_id, participant_id="P-7K3M9Q", amount=p.amount,
                         currency="USD", status="PAID", rail_reference=p.rail_reference, day=date(2026, 11, 1),
                         posted_at=now) for p in expected]
            for start in range(0, len(rows), 5000):
                session.execute(insert(Posting), rows[start:start + 5000])
        text = as_csv(lines, "Assets:MobileMoney:SimMobile:Float")
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            recon = Reconciliation(session, LedgerWriter(session, files, SimulatedRail("SimMobile")), "SimMobile", "USD",
                                   lambda *events: None)
            statement, _ = recon.import_statement(text, "bench")
        elapsed = time.perf_counter() - started
        report = verify(str(files.directory))
        engine.dispose()
    print(f"reconciliation import: a {len(text) / 1e6:.1f} MB statement of {len(lines):,} lines parsed, matched, "
          f"kept and its fees posted in {elapsed:.2f} s = {len(lines) / elapsed:,.0f} lines/s; "
          f"ledger verify ok={report.ok} ({report.transactions:,} fee transactions)")
    return elapsed

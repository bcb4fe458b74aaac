"""Benchmark: reconciling a synthetic mobile-money statement against the payments the
ledger expects (matches, fees, duplicates, reversals, mismatches and missing lines)."""
import time
from datetime import datetime, timedelta
from decimal import Decimal

from services.ledger.reconcile import ExpectedPayment, reconcile
from services.ledger.statement_importer import StatementLine


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

"""The organisation's float statement as the suite's reconciliation importer reads it: an
`Account: <float account>` line, the M-Pesa-like header, one row per line in the order the
money moved. A payment and its charge share the payment's receipt; a reversal has a receipt
of its own; `Other Party Reference` is the caller's reference of the payment or top-up."""
import csv
import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from services.provider.models import StatementLine
from services.provider.units import text

HEADER = ("Receipt No.", "Completion Time", "Details", "Transaction Status", "Paid In", "Withdrawn",
          "Balance", "Other Party Reference")


def export(engine, settings, first: date, last: date) -> str:
    """Every line completed from `first` to `last`, both days included."""
    out = io.StringIO()
    out.write(f"Account: {settings.statement_account}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    start, end = datetime.combine(first, time()), datetime.combine(last + timedelta(days=1), time())
    with engine.connect() as conn:
        rows = conn.execution_options(yield_per=5000).execute(
            select(StatementLine).where(StatementLine.completed_at >= start, StatementLine.completed_at < end)
            .order_by(StatementLine.id))
        for row in rows:
            writer.writerow((row.receipt, row.completed_at.strftime("%Y-%m-%d %H:%M:%S"), row.details, row.status,
                             text(row.paid_in_minor) if row.paid_in_minor else "",
                             text(row.withdrawn_minor) if row.withdrawn_minor else "",
                             text(row.balance_minor), row.reference))
    return out.getvalue()

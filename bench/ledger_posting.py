"""Benchmark: disbursement postings through the ledger's posting rules, with an fsync per
append (the durability the service has today), into a scratch SQLite index and ledger."""
import tempfile
import time
from datetime import date
from decimal import Decimal

from rich.progress import track
from sqlalchemy.orm import Session

from services.ledger.book import Book
from services.ledger.posting import Ledger
from services.ledger.rail import SimulatedRail
from services.ledger.verify import verify
from shared.contracts import DisbursementRequested
from shared.db import make_engine
from shared.migrations import upgrade


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/ledger.db"
        upgrade("ledger", url)
        engine = make_engine(url)
        book = Book(f"{scratch}/books", "Benchmark", date(2026, 1, 1))
        book.ensure_created()
        rail = SimulatedRail("SimMobile")
        started = time.perf_counter()
        for n in track(range(count), description=f"posting {count} disbursements"):
            command = DisbursementRequested(
                disbursement_id=f"D-{n:08d}", idempotency_key=f"bench:{n}", participant_id="P-7K3M9Q",
                programme="LG-2026", kind="GRANT", amount=Decimal("125.00"), currency="USD", reference=f"G-{n}")
            with Session(engine) as session, session.begin():
                Ledger(session, book, rail).post_disbursement(command, today=date(2026, 11, 23))
        elapsed = time.perf_counter() - started
        verify_started = time.perf_counter()
        report = verify(book.directory)
        verify_elapsed = time.perf_counter() - verify_started
        engine.dispose()
    print(f"ledger posting: {count} disbursements ({2 * count} transactions) in {elapsed:.2f} s "
          f"= {count / elapsed:,.0f} disbursements/s")
    print(f"ledger verify: {report.transactions} transactions in {verify_elapsed:.2f} s, ok={report.ok}")

"""The writer killed (SIGKILL) while finance works the books: float top-ups and returns,
journal entries approved, statements showing them imported and signed off. After recovery the files
verify against the index's anchor, and doing the interrupted work again appends nothing
twice (each entry's `entry-key:` is in the index) and leaves the ledger valid. Each user action
is its own transaction, as in the service (a journal entry is prepared by one request and
approved by another)."""
import os
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.book.files import period_files
from services.ledger.models import JournalEntry, Statement, TreasuryEntry
from services.ledger.verification.verify import verify
from services.ledger.writer.posting import index_checkpoint
from tests.ledger.test_kill import killed_and_recovered
from tests.databases import migrated_sqlite_file

WORK = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from decimal import Decimal
    from sqlalchemy import select
    from sqlalchemy.orm import Session
    from services.ledger.book import chart
    from services.ledger.book.files import LedgerFiles
    from services.ledger.models import JournalEntry, Statement
    from services.ledger.rail import SimulatedRail
    from services.ledger.reconciliation.workflow import Reconciliation
    from services.ledger.schemas import FloatTransfer, OpeningBalances, PrepareJournalEntry
    from services.ledger.writer import journal, transfers
    from services.ledger.writer.posting import LedgerWriter, ensure_open
    from shared.db import make_engine

    FIRST = date(2026, 2, 1)
    HEADER = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference"

    def session_work(engine, files, work, today):
        with Session(engine) as session, session.begin():
            ledger = LedgerWriter(session, files, SimulatedRail("SimMobile"))
            return work(session, ledger, Reconciliation(session, ledger, "SimMobile", "USD", lambda *e: None, today))

    def day_of_books(engine, files, n):
        day = FIRST + timedelta(days=n)
        today = day + timedelta(days=1)
        for direction in ("TOP_UP", "RETURN"):
            command = FloatTransfer(direction=direction, bank_account="Assets:Bank:EUTF", amount="5.00",
                                    currency="USD", reference=f"{direction}-{n}", day=day)
            session_work(engine, files, lambda s, l, r: transfers.move(s, l, command, "USD", "fin1", today), today)
        entry = PrepareJournalEntry(key=f"J-{n}", day=day, narration="Difference moved to the bank", currency="USD",
                                    reason="monthly review", lines=[
                                        {"account": "Assets:Bank:EUTF", "side": "DEBIT", "amount": "1.00"},
                                        {"account": "Expenses:Fees:MobileMoney", "side": "CREDIT", "amount": "1.00"}])
        prepared = session_work(engine, files, lambda s, l, r: journal.prepare(s, entry, "fin1", today)[0].id, today)
        def approved(s, l, r):
            if s.get(JournalEntry, prepared).status == "PREPARED":
                journal.approve(s, l, prepared, "fin2")
        session_work(engine, files, approved, today)
        before = Decimal("1000.00") - Decimal("0.10") * n
        text = "\\n".join([f"Account: {chart.rail_float('SimMobile')}", HEADER,
                          f"TOP{n:06d},{day} 09:00:00,Funds transfer from bank,Completed,5.00,,{before + 5},TOP_UP-{n}",
                          f"RET{n:06d},{day} 10:00:00,Funds transfer to bank,Completed,,5.00,{before},RETURN-{n}",
                          f"FEE{n:06d},{day} 12:00:00,Business payment charge,Completed,,0.10,{before - Decimal('0.10')},SIM-{n}"]) + "\\n"
        statement = session_work(engine, files, lambda s, l, r: r.import_statement(text, "fin1")[0].id, today)
        def signed(s, l, r):
            if s.get(Statement, statement).status == "OPEN":
                r.sign_off(statement, "fin2")
        session_work(engine, files, signed, today)

    if __name__ == "__main__":
        url, directory, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
        engine, files = make_engine(url), LedgerFiles(directory, "Kill test", date(2026, 1, 1))
        files.ensure_created()
        if start == 0:
            with Session(engine) as session, session.begin():
                for account in ("Assets:Bank:EUTF", chart.FEES, chart.rail_float("SimMobile")):
                    ensure_open(session, files, account)
            opening = OpeningBalances(reference="OPEN", day=date(2026, 1, 31), currency="USD", lines=[
                {"account": chart.rail_float("SimMobile"), "side": "DEBIT", "amount": "1000.00"}])
            session_work(engine, files, lambda s, l, r: transfers.open_books(s, l, opening, "fin1", FIRST), FIRST)
        for n in range(start, start + 1_000_000 if start == 0 else start + 1):
            day_of_books(engine, files, n)
            if n == 3:
                print("working", flush=True)
""")


def counted(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def entries_in_files(directory, needle: str) -> int:
    return sum(path.read_text().count(needle) for path in period_files(directory))


@pytest.mark.parametrize("after_seconds", [0.2, 0.53, 0.91])
def test_a_writer_killed_while_finance_works_the_books_is_recovered(tmp_path, after_seconds):
    url, directory = migrated_sqlite_file("ledger", tmp_path / "ledger.db"), tmp_path / "books"
    engine = killed_and_recovered([WORK, url, str(directory), "0"], "working", after_seconds, url, directory)
    with Session(engine) as session:
        anchor = index_checkpoint(session)
    report = verify(str(directory), anchor)
    assert report.ok, report

    interrupted = entries_in_files(directory, 'entry: "top-up"') - 1  # the last day begun, done again
    subprocess.run([sys.executable, "-c", WORK, url, str(directory), str(interrupted)], check=True, cwd=os.getcwd())
    days = interrupted + 1
    assert counted(engine, TreasuryEntry) == 2 * days + 1  # a top-up and a return a day, and the opening
    assert entries_in_files(directory, 'entry: "top-up"') == entries_in_files(directory, 'entry: "return"') == days
    assert entries_in_files(directory, 'entry: "journal"') == counted(engine, JournalEntry) == days
    assert entries_in_files(directory, 'entry: "fee"') == days
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Statement.status == "SIGNED_OFF")) == days
        anchor = index_checkpoint(session)
    engine.dispose()
    report = verify(str(directory), anchor)
    assert report.ok, report

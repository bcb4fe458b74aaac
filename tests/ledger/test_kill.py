"""The writer killed (SIGKILL) while posting, at whatever point it happens to be, is recovered:
the files verify, the index matches them, and nothing is paid twice."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import Posting
from services.ledger.writer.posting import LedgerWriter, index_checkpoint
from services.ledger.rail import SimulatedRail
from services.ledger.writer.recovery import recover
from services.ledger.verification.verify import verify
from shared.db import make_engine
from tests.databases import migrated_sqlite_file

WRITER = textwrap.dedent("""
    import sys
    from datetime import date
    from decimal import Decimal
    from sqlalchemy.orm import Session
    from services.ledger.book.files import LedgerFiles
    from services.ledger.writer.posting import LedgerWriter
    from services.ledger.rail import SimulatedRail
    from shared.contracts import DisbursementRequested
    from shared.db import make_engine

    url, directory = sys.argv[1:]
    engine, files = make_engine(url), LedgerFiles(directory, "Kill test", date(2026, 1, 1))
    files.ensure_created()
    for n in range(1_000_000):
        command = DisbursementRequested(
            disbursement_id=f"D-{n:08d}", idempotency_key=f"kill:{n}", participant_id="P-7K3M9Q",
            programme="LG-2026", kind="GRANT", amount=Decimal("125.00"), currency="USD", reference=f"G-{n}")
        with Session(engine) as session, session.begin():
            LedgerWriter(session, files, SimulatedRail("SimMobile")).post_disbursement(command, today=date(2026, 11, 23))
        if n == 20:
            print("posting", flush=True)
""")


def killed_and_recovered(program: list[str], ready: str, after_seconds: float, url: str, directory: Path):
    """Run a writer (`python -c *program`), SIGKILL it `after_seconds` after it printed
    `ready`, then recover the ledger as the writer's start does; returns the index's engine."""
    writer = subprocess.Popen([sys.executable, "-c", *program], stdout=subprocess.PIPE, cwd=os.getcwd(), text=True)
    assert writer.stdout.readline().strip() == ready
    time.sleep(after_seconds)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    engine = make_engine(url)
    files = LedgerFiles(str(directory), "Kill test", date(2026, 1, 1))
    with Session(engine) as session, session.begin():
        recover(session, LedgerWriter(session, files, SimulatedRail("SimMobile")), lambda *events: None)
    return engine


@pytest.mark.parametrize("after_seconds", [0.3, 0.77, 1.31])
def test_a_killed_writer_is_recovered(tmp_path, after_seconds):
    url, directory = migrated_sqlite_file("ledger", tmp_path / "ledger.db"), tmp_path / "books"
    engine = killed_and_recovered([WRITER, url, str(directory)], "posting", after_seconds, url, directory)
    with Session(engine) as session:
        anchor = index_checkpoint(session)
        postings = session.scalar(select(func.count()).select_from(Posting))
    engine.dispose()
    report = verify(str(directory), anchor)
    assert report.ok, report
    assert anchor.journal.entries + anchor.chart.entries == report.entries
    assert report.transactions == 2 * postings  # each disbursement: payable + payment, once

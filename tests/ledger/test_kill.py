"""The writer killed (SIGKILL) while posting, at whatever point it happens to be, is recovered:
the files verify, the index matches them, and nothing is paid twice."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.models import ChainHead, Posting
from services.ledger.writer.posting import LedgerWriter
from services.ledger.rail import SimulatedRail
from services.ledger.writer.recovery import recover
from services.ledger.verification.verify import verify
from shared.db import make_engine
from shared.migrations import upgrade

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


@pytest.mark.parametrize("after_seconds", [0.3, 0.77, 1.31])
def test_a_killed_writer_is_recovered(tmp_path, after_seconds):
    url, directory = f"sqlite:///{tmp_path}/ledger.db", tmp_path / "books"
    upgrade("ledger", url)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(directory)], stdout=subprocess.PIPE,
                              cwd=os.getcwd(), text=True)
    assert writer.stdout.readline().strip() == "posting"
    time.sleep(after_seconds)
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    engine = make_engine(url)
    files = LedgerFiles(str(directory), "Kill test", date(2026, 1, 1))
    with Session(engine) as session, session.begin():
        recover(session, LedgerWriter(session, files, SimulatedRail("SimMobile")), lambda *events: None)
    report = verify(str(directory))
    with Session(engine) as session:
        head = session.get(ChainHead, 1)
        postings = session.scalar(select(func.count()).select_from(Posting))
    engine.dispose()
    assert report.ok, report
    assert head.transactions == report.transactions
    assert report.transactions == 2 * postings  # each disbursement: payable + payment, once

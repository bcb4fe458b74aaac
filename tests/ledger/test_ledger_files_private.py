"""The ledger's files are private to the account running the suite, as its databases are:
the ledger folder, its year folders and quarantine 0700, every file in them 0600, even
under a umask that would leave them readable by all."""
import os
import stat
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.ledger.book.data import Leg, Transaction
from services.ledger.book.files import LedgerFiles
from services.ledger.book.text import render
from services.ledger.rail import SimulatedRail
from services.ledger.writer.posting import LedgerWriter
from services.ledger.writer.recovery import recover
from shared.db import make_engine
from shared.migrations import upgrade
from tests.ledger.test_posting import DAY, command
from tests.ledger.test_recovery import head


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_the_ledger_folder_year_folders_quarantine_and_every_file_are_private(tmp_path, open_umask):
    url = f"sqlite:///{tmp_path}/ledger.db"
    upgrade("ledger", url)
    engine = make_engine(url)
    files = LedgerFiles(str(tmp_path / "data" / "books"), "Test", date(2026, 1, 1))
    files.ensure_created()
    env = (engine, files, SimulatedRail("SimMobile"))
    with Session(engine) as session, session.begin():
        writer = LedgerWriter(session, files, env[2])
        writer.post_disbursement(command(), today=DAY)
        writer.post_disbursement(command(disbursement_id="D-AAAA0002", idempotency_key="k2"), today=date(2027, 1, 4))
    torn, _ = render(Transaction(date(2027, 1, 4), "half", (Leg("Assets:X", Decimal("1.00"), "USD"),
                                                           Leg("Assets:Y", Decimal("-1.00"), "USD"))), head(env))
    with open(files.period_file(date(2027, 1, 4)), "a") as handle:
        handle.write(torn[: len(torn) // 2])
    with Session(engine) as session, session.begin():
        assert recover(session, LedgerWriter(session, files, env[2]), lambda *events: None)

    folders = [files.directory, *(p for p in files.directory.rglob("*") if p.is_dir())]
    every_file = [p for p in files.directory.rglob("*") if p.is_file()]
    assert sorted(p.relative_to(files.directory).as_posix() for p in folders[1:]) == ["2026", "2027", "quarantine"]
    assert {p.name for p in every_file} >= {"main.beancount", "accounts.beancount", "2026-11.beancount",
                                           "2027-01.beancount"} and len(list(files.directory.glob("quarantine/*"))) == 1
    assert [(p.name, oct(mode(p))) for p in folders if mode(p) != 0o700] == []
    assert [(p.name, oct(mode(p))) for p in every_file if mode(p) != 0o600] == []
    engine.dispose()

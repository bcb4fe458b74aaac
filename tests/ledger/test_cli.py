"""The operator's ledger commands: `ddrr ledger verify` and `ddrr ledger trial-balance`."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.cli import main
from services.ledger.book.files import LedgerFiles
from services.ledger.writer.posting import LedgerWriter
from services.ledger.rail import SimulatedRail
from shared.config import load
from shared.db import make_engine
from tests.ledger.test_posting import command


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DDRR_DATA_DIR", str(tmp_path))
    main(["migrate", "--service", "ledger"])
    config = load()
    engine = make_engine(config["DATABASES"]["ledger"])
    files = LedgerFiles(config["LEDGER"]["directory"], "Test", date(2026, 1, 1))
    files.ensure_created()
    with Session(engine) as session, session.begin():
        LedgerWriter(session, files, SimulatedRail("SimMobile")).post_disbursement(command(), today=date(2026, 11, 23))
    engine.dispose()
    return tmp_path


def test_trial_balance_and_verify(data_dir, capsys):
    main(["ledger", "trial-balance", "--csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "account,currency,balance"
    assert "Assets:MobileMoney:SimMobile:Float,USD,-450.00" in lines
    with pytest.raises(SystemExit) as verdict:
        main(["ledger", "verify"])
    assert verdict.value.code == 0
    assert "2 transactions; OK" in capsys.readouterr().out


def test_verify_fails_on_an_edited_file(data_dir, capsys):
    path = data_dir / "ledger" / "2026" / "2026-11.beancount"
    path.write_text(path.read_text().replace(Decimal("450.00").to_eng_string(), "45.00", 1))
    with pytest.raises(SystemExit) as verdict:
        main(["ledger", "verify"])
    assert verdict.value.code == 1
    assert "FAILED" in capsys.readouterr().out


def test_totals_by_programme_and_month(data_dir, capsys):
    main(["ledger", "totals", "--by", "programme", "--csv"])
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["programme,currency,funded,paid,failed,reversed,payments", "LG-2026,USD,0.00,450.00,0.00,0.00,1"]
    main(["ledger", "totals", "--by", "month"])
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["month", "currency", "funded", "paid", "failed", "reversed", "payments"]
    assert row.split() == ["2026-11", "USD", "0.00", "450.00", "0.00", "0.00", "1"]

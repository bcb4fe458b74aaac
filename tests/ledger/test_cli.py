"""The operator's ledger commands: `ddrr ledger verify` and `ddrr ledger trial-balance`."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.cli import ledger_preflight, main
from services.ledger.book.integrity import BROKEN
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
    assert "2 transactions, 5 entries in the hash chains; OK" in capsys.readouterr().out


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


def test_a_checkpoint_line_finds_a_cut_tail_later(data_dir, capsys):
    with pytest.raises(SystemExit) as verdict:
        main(["ledger", "checkpoint"])
    assert verdict.value.code == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("ddrr-ledger-checkpoint journal=2:") and " chart=3:" in line
    path = data_dir / "ledger" / "2026" / "2026-11.beancount"
    whole = path.read_text()
    path.write_text(whole.rsplit("\n\n", 1)[0] + "\n")
    with pytest.raises(SystemExit) as verdict:
        main(["ledger", "verify", "--checkpoint", line])
    assert verdict.value.code == 1
    assert ("2026-11.beancount:3: the chain ends here after 1 entries, the anchor holds 2: entries removed from the end"
            in capsys.readouterr().out)
    path.write_text(whole)
    with pytest.raises(SystemExit) as verdict:
        main(["ledger", "verify", "--checkpoint", line])
    assert verdict.value.code == 0


def test_serve_ledger_refuses_tampered_files_in_one_line_and_changes_nothing(data_dir, capsys):
    path = data_dir / "ledger" / "2026" / "2026-11.beancount"
    path.write_text(path.read_text().replace("450.00 USD", "540.00 USD", 2))
    before = {p: p.read_bytes() for p in (data_dir / "ledger").rglob("*") if p.is_file()}
    with pytest.raises(SystemExit) as verdict:
        ledger_preflight(load())
    assert verdict.value.code == ("ddrr: the ledger writer refuses to start: 2026-11.beancount:3: "
                                  f"{BROKEN}")
    assert {p: p.read_bytes() for p in (data_dir / "ledger").rglob("*") if p.is_file()} == before
    path.write_text(path.read_text().replace("540.00 USD", "450.00 USD", 2))  # the test's ledger must verify

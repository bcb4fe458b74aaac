"""Finance in the browser: releases an approved grant, watches it paid, imports the rail's
statement, resolves its exception and signs the period off."""
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from services.ledger.verification.verify import verify
from tests.browser.seed import eligible_participant, funded, staff, submitted_grant
from tests.e2e.test_finance_path import HEADER
from tests.e2e.test_grant_path import PROGRAMME
from tests.support import eventually


def statement(reference: str, amount: str) -> str:
    """The rail's day: a top-up from the bank (an exception to explain) and the payment."""
    day = datetime.now(timezone.utc).date()
    closing = Decimal("2000.00") - Decimal(amount)
    return "\n".join(["Account: Assets:MobileMoney:SimMobile:Float", HEADER,
                      f"TKW001,{day} 08:00:00,Funds transfer from bank,Completed,2000.00,,2000.00,BANK-1",
                      f"TKW002,{day} 09:00:00,Business payment,Completed,,{amount},{closing},{reference}"]) + "\n"


def test_finance_releases_and_reconciles(suite, browse, config, tmp_path):
    admin = suite
    maker, checker = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-c", "officer")
    finance = staff(admin, "finance", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funded(finance)
    application = submitted_grant(maker, eligible_participant(admin, maker), "350.00")
    checker.post(f"/grants/{application}/approve", expect=200)

    released = browse("finance_releases", application=application)
    assert released["landing"].endswith("/app/payments") and released["fava"] == config["GATEWAY"]["fava_url"]
    assert released["released"].startswith(f"{application}: tranche 1 released")
    assert "1 of 2 tranches paid" in released["progress"] and "PAID" in released["progress"]
    [paid] = eventually(lambda: (g := finance.get(f"/grants/{application}"))["disbursements"][0]["status"] == "PAID"
                        and g["disbursements"])
    posted = finance.get(f"/ledger/disbursements/{paid['disbursement_id']}")

    file = tmp_path / "statement.csv"
    file.write_text(statement(posted["rail_reference"], paid["amount"]))
    seen = browse("finance_reconciles", statement_file=str(file))
    statement_id = seen["statement"]
    assert seen["imported"] == f"Statement {statement_id} imported: 1 matched, 1 exceptions to resolve."
    assert seen["refused"].startswith("1 exception(s) still open")
    assert seen["exception"].startswith("Unmatched statement line")
    assert seen["resolved"] == "Line TKW001 resolved: ADJUST."
    assert seen["signed"].startswith(f"Statement {statement_id} signed off") and "SIGNED_OFF" in seen["heading"]
    assert finance.get("/ledger/statements")[0]["status"] == "SIGNED_OFF"
    ledger = Path(config["LEDGER"]["directory"])
    assert verify(str(ledger)).ok
    assert "balance Assets:MobileMoney:SimMobile:Float  1790.00 USD" in "".join(
        path.read_text() for path in ledger.rglob("*.beancount"))

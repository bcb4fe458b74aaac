"""Finance in the browser: releases an approved grant, watches it paid, imports the rail's
statement and proposes an adjustment for its exception; another finance user approves it and
signs the period off once the statement's day is over."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import eventlet
import eventlet.wsgi
import pytest
from nameko.testing.utils import get_container, get_extension

from services.ledger.clock import LedgerClock
from services.ledger.service import LedgerService
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


@pytest.fixture
def fava(config):
    """Something answering at FAVA_URL, as Fava does under `make run`: the pages link to it
    only when it answers. Requested before `suite`, so the gateway starts with its address."""
    def answer(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"Fava"]

    listener = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(eventlet.wsgi.server, listener, answer, log_output=False)
    config["GATEWAY"]["fava_url"] = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    yield config["GATEWAY"]["fava_url"]
    server.kill()


def test_finance_releases_and_reconciles(fava, suite, suite_runner, browse, config, tmp_path):
    admin = suite
    maker, checker = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-c", "officer")
    finance = staff(admin, "finance", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funded(finance)
    application = submitted_grant(maker, eligible_participant(admin, maker), "350.00")
    checker.post(f"/grants/{application}/approve", expect=200)

    released = browse("finance_releases", application=application)
    assert released["landing"].endswith("/app/payments") and released["fava"] == fava
    assert released["released"].startswith(f"{application}: tranche 1 released")
    assert "1 of 2 tranches paid" in released["progress"] and "Paid" in released["progress"]
    [paid] = eventually(lambda: (g := finance.get(f"/grants/{application}"))["disbursements"][0]["status"] == "PAID"
                        and g["disbursements"])
    posted = finance.get(f"/ledger/disbursements/{paid['disbursement_id']}")

    file = tmp_path / "statement.csv"
    file.write_text(statement(posted["rail_reference"], paid["amount"]))
    staff(admin, "finance-2", "finance")
    clock = get_extension(get_container(suite_runner, LedgerService), LedgerClock)
    clock.day = datetime.now(timezone.utc).date() + timedelta(days=1)  # the statement's day is over
    seen = browse("finance_reconciles", statement_file=str(file))
    statement_id = seen["statement"]
    assert seen["imported"] == f"Statement {statement_id} imported: 1 matched, 1 exceptions to resolve."
    assert seen["importer_sign_off_buttons"] == 0 and "another finance user signs" in seen["importer_told"]
    assert seen["refused"].startswith("1 exception(s) still open")
    assert seen["exception"].startswith("Unmatched statement line")
    assert seen["proposed"] == "Line TKW001: the adjustment is proposed; another finance user approves it."
    assert seen["approved"] == "Line TKW001: the adjustment is approved and posted."
    assert seen["signed"].startswith(f"Statement {statement_id} signed off") and "Signed off" in seen["heading"]
    assert finance.get("/ledger/statements")[0]["status"] == "SIGNED_OFF"
    ledger = Path(config["LEDGER"]["directory"])
    assert verify(str(ledger)).ok
    assert "balance Assets:MobileMoney:SimMobile:Float  1790.00 USD" in "".join(
        path.read_text() for path in ledger.rglob("*.beancount"))

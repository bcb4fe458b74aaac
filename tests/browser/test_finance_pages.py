"""Finance's whole day from the pages alone, the data it starts from seeded through the API:
donor funding, a float top-up, an allowance cycle whose preparer is shown no Release button
and which a second finance user releases, both tranches of a grant (an officer's follow-up
visit between them), the rail's statement reconciled (its exception resolved) and signed off
by another finance user once its day is over, and the books read at the end of it."""
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

ALLOWANCE = {"code": "SP-2026", "name": "Aftercare allowance 2026", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "10000.00", "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["EXIT_ASSESSMENT"]}}
FUNDING = {"amount": "1000.00", "reference": "MDTF-SP-001", "shown": "1,000.00"}
TOP_UP = {"bank_account": "Assets:Bank:MDTF", "amount": "500.00", "reference": "TOPUP-1"}
FLOAT = "Assets:MobileMoney:SimMobile:Float"
UNRECORDED_TRANSFER = Decimal("2000.00")  # from the bank, never recorded in the books: the exception


def statement(payments: list[tuple[str, str]]) -> tuple[str, Decimal]:
    """The rail's day: the top-up finance posted, a transfer from the bank nobody recorded, and
    every payment; with its closing balance."""
    day = datetime.now(timezone.utc).date()
    balance = Decimal(TOP_UP["amount"])
    lines = [f"TKW001,{day} 08:00:00,Funds transfer from bank,Completed,{balance},,{balance},{TOP_UP['reference']}"]
    balance += UNRECORDED_TRANSFER
    lines.append(f"TKW002,{day} 08:30:00,Funds transfer from bank,Completed,{UNRECORDED_TRANSFER},,{balance},BANK-2")
    for n, (reference, amount) in enumerate(payments, start=3):
        balance -= Decimal(amount)
        lines.append(f"TKW{n:03d},{day} 09:{n:02d}:00,Business payment,Completed,,{amount},{balance},{reference}")
    return "\n".join([f"Account: {FLOAT}", HEADER, *lines]) + "\n", balance


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


def test_finance_funds_pays_reconciles_and_reads_the_books(fava, suite, suite_runner, browse, config, tmp_path):
    admin = suite
    maker, checker = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-c", "officer")
    finance, _releaser = staff(admin, "finance", "finance"), staff(admin, "finance-2", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    admin.post("/programmes", ALLOWANCE, expect=201)
    funded(finance)  # the grant programme's, for its approval: the page records the allowance's
    application = submitted_grant(maker, eligible_participant(admin, maker), "350.00")
    checker.post(f"/grants/{application}/approve", expect=200)
    eventually(lambda: finance.call("GET", f"/ledger/programmes/{ALLOWANCE['code']}").status_code == 200)

    day = browse("finance_pays", application=application, allowance=ALLOWANCE["code"],
                 month=datetime.now(timezone.utc).strftime("%Y-%m"), funding=FUNDING, top_up=TOP_UP)
    assert day["landing"].endswith("/app/payments") and day["fava"] == fava
    assert day["menu"] == ["Payments", "Reconciliation", "Books"]
    assert day["funded"] == (f"{FUNDING['shown']}\xa0USD from MDTF recorded for SP-2026 under MDTF-SP-001; "
                             "its money below follows in a moment.")
    assert day["books_ids_twice"] == []  # the transfer's and the journal's Amount each label their own field
    assert day["topped_up"] == "500.00\xa0USD posted to the float's books under TOPUP-1."
    cycle = day["cycle"]
    assert day["prepared"].startswith(f"Cycle {cycle} prepared: 1 payments, 40.00\xa0USD declared")
    assert day["preparer_release_buttons"] == 0
    assert "You prepared this cycle, so another finance user releases it." in day["preparer_told"]
    assert day["cycle_released"] == f"Cycle {cycle} released: 1 payments sent (40.00), 0 held."
    assert "Released by finance-2." in day["cycle_page"] and "Complete:" in day["cycle_page"]
    assert day["tranche_1"].startswith(f"{application}: tranche 1 released")
    assert day["follow_up"] and day["tranche_2"].startswith(f"{application}: tranche 2 released")
    assert "Tranche 2" in day["grant"] and "140.00\xa0USD" in day["grant"]
    grant = finance.get(f"/grants/{application}")
    assert grant["status"] == "DISBURSED" and [d["status"] for d in grant["disbursements"]] == ["PAID", "PAID"]
    assert finance.get(f"/allowances/cycles/{cycle}")["status"] == "COMPLETE"
    assert finance.get(f"/programmes/{ALLOWANCE['code']}/budget")["available"] == "960.00"

    payments = [(finance.get(f"/ledger/disbursements/{d['disbursement_id']}")["rail_reference"], d["amount"])
                for d in grant["disbursements"]]
    payments += [(p["rail_reference"], p["amount"])
                 for p in finance.get(f"/allowances/cycles/{cycle}/payments?status=PAID")["payments"]]
    text, closing = statement(payments)
    file = tmp_path / "statement.csv"
    file.write_text(text)
    clock = get_extension(get_container(suite_runner, LedgerService), LedgerClock)
    clock.day = datetime.now(timezone.utc).date() + timedelta(days=1)  # the statement's day is over
    seen = browse("finance_reconciles", statement_file=str(file))
    statement_id = seen["statement"]
    assert seen["imported"] == f"Statement {statement_id} imported: 3 matched, 1 exceptions to resolve."
    assert seen["importer_sign_off_buttons"] == 0 and "another finance user signs" in seen["importer_told"]
    assert seen["refused"].startswith("1 exception(s) still open")
    assert seen["exception"].startswith("Unmatched statement line")
    assert seen["proposed"] == "Line TKW002: the adjustment is proposed; another finance user approves it."
    assert seen["approved"] == "Line TKW002: the adjustment is approved and posted."
    assert seen["signed"].startswith(f"Statement {statement_id} signed off") and "Signed off" in seen["heading"]
    assert finance.get("/ledger/statements")[0]["status"] == "SIGNED_OFF"

    assert closing == Decimal("2110.00")  # 500 + 2000 - 210 - 140 - 40
    assert seen["trial_balance"][FLOAT] == "2,110.00\xa0USD"
    assert seen["trial_balance"]["Assets:Bank:MDTF"] == "3,500.00\xa0USD"  # 5000 + 1000 funded, 500 + 2000 to the float
    assert seen["trial_totals"] == ["Total in USD (zero when the books balance)\t0.00\xa0USD"]
    assert [line.split("\t")[:3] for line in seen["totals"]] == [
        ["LG-2026", "5,000.00\xa0USD", "350.00\xa0USD"], ["SP-2026", "1,000.00\xa0USD", "40.00\xa0USD"]]
    assert {line.split("\t")[0] for line in seen["totals_by_cycle"]} == {cycle, "(none)"}  # tranches: no cycle
    assert seen["trial_balance_csv"]["type"].startswith("text/csv") and FLOAT in seen["trial_balance_csv"]["text"]
    ledger = Path(config["LEDGER"]["directory"])
    assert verify(str(ledger)).ok
    assert f"balance {FLOAT}  {closing} USD" in "".join(path.read_text() for path in ledger.rglob("*.beancount"))

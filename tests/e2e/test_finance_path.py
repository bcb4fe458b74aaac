"""Finance's side over HTTP and the real broker: funding, reports as JSON and CSV, a
correction, and a statement imported, resolved and signed off the next day by another
finance user. On SQLite and PostgreSQL."""
import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from nameko.testing.utils import get_container, get_extension

from services.ledger.clock import LedgerClock
from services.ledger.service import LedgerService
from services.ledger.writer.corrections import find
from services.ledger.verification.verify import verify
from shared.contracts import DisbursementRequested
from shared.events import new_envelope
from tests.support import event_publisher, eventually

PROGRAMME = {"code": "LG-FIN", "name": "Finance path grants", "donor": "EUTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "10000.00", "tranches": [{"percent": 100}],
             "approval_tiers": [{"max_amount": None, "approvers": ["officer"]}],
             "conditions": [{"type": "consent_active"}]}
HEADER = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference"


def request(n: int, amount: str, cycle: str | None = "2026-11") -> DisbursementRequested:
    return DisbursementRequested(disbursement_id=f"D-FIN0000{n}", idempotency_key=f"fin:{n}",
                                 participant_id=f"P-FIN00{n}", programme="LG-FIN", kind="GRANT",
                                 amount=Decimal(amount), currency="USD", reference=f"G-FIN-{n}", cycle=cycle)


def statement_for(references: dict, day: date) -> bytes:
    """The rail's statement of the day the payments were made: a top-up, the first two
    payments (one with a charge), and nothing for the third, which finance will find missing."""
    rows = [f"TKF001,{day} 08:00:00,Funds transfer from bank,Completed,2000.00,,2000.00,BANK-7",
            f"TKF002,{day} 09:00:00,Business payment,Completed,,300.00,1700.00,{references['D-FIN00001']}",
            f"TKF002,{day} 09:00:00,Business payment charge,Completed,,1.00,1699.00,{references['D-FIN00001']}",
            f"TKF003,{day} 09:30:00,Business payment,Completed,,200.00,1499.00,{references['D-FIN00002']}"]
    return ("\n".join(["Account: Assets:MobileMoney:SimMobile:Float", HEADER, *rows]) + "\n").encode()


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_funding_reports_correction_and_a_signed_off_statement(suite, suite_runner, config):
    admin = suite
    finance, officer = admin.new_user("finance", "finance"), admin.new_user("officer", "officer")
    signer = admin.new_user("finance-2", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funding = {"amount": "5000.00", "currency": "USD", "reference": "EUTF-2026-9", "received_on": "2026-11-02"}
    eventually(lambda: finance.call("POST", "/programmes/LG-FIN/funding", funding).status_code == 201)

    publish = event_publisher(config["AMQP_URI"], "livelihoods")
    for n, amount, cycle in ((1, "300.00", "2026-11"), (2, "200.00", "2026-11"), (3, "100.00", None)):
        publish(new_envelope("livelihoods", request(n, amount, cycle)))
    paid = {f"D-FIN0000{n}": eventually(lambda n=n: finance.call("GET", f"/ledger/disbursements/D-FIN0000{n}")
                                        .json().get("rail_reference")) for n in (1, 2, 3)}

    by_programme = finance.get("/ledger/totals?by=programme")["rows"]
    assert by_programme == [{"programme": "LG-FIN", "currency": "USD", "funded": "5000.00", "paid": "600.00",
                             "failed": "0.00", "reversed": "0.00", "payments": 3}]
    by_cycle = {row["cycle"]: row["paid"] for row in finance.get("/ledger/totals?by=cycle")["rows"]}
    assert by_cycle == {"2026-11": "500.00", "(none)": "100.00"}
    assert finance.get("/ledger/totals?by=donor")["rows"][0]["donor"] == "EUTF"
    month_csv = finance.call("GET", "/ledger/totals?by=month&format=csv", expect=200)
    assert month_csv.headers["Content-Type"].startswith("text/csv")
    months = list(csv.DictReader(io.StringIO(month_csv.text)))
    assert {row["month"] for row in months} >= {"2026-11"} and months[0].keys() >= {"funded", "paid"}
    assert finance.get("/ledger/programmes/LG-FIN") == {
        "programme": "LG-FIN", "donor": "EUTF", "currency": "USD", "funded": "5000.00", "committed": "0.00",
        "paid": "600.00", "reversed": "0.00", "available": "4400.00"}
    assert finance.get("/ledger/totals?by=district", expect=400)["error"] == "VALIDATION_ERROR"
    assert officer.get("/ledger/totals", expect=403)["error"] == "FORBIDDEN"

    today = datetime.now(timezone.utc).date()
    imported = finance.call_raw("POST", "/ledger/statements", statement_for(paid, today), "text/csv", expect=201).json()
    statement_id = imported["id"]
    assert imported["counts"]["MATCHED"] == 2 and imported["counts"]["FEE"] == 1
    assert imported["counts"]["MISSING_FROM_STATEMENT"] == 1 and imported["open_exceptions"] == 2
    again = finance.call_raw("POST", "/ledger/statements", statement_for(paid, today), "text/csv", expect=200).json()
    assert again["id"] == statement_id and again["already_imported"] is True
    finance.call_raw("POST", "/ledger/statements", b"\xff\xfe not text", "text/csv", expect=400)
    assert officer.call("POST", "/ledger/statements", expect=403).status_code == 403

    assert signer.post(f"/ledger/statements/{statement_id}/sign-off", expect=409)["error"] == "OPEN_EXCEPTIONS"
    exceptions = {item["outcome"]: item for item in finance.get(f"/ledger/statements/{statement_id}")["items"]}
    top_up, missing = exceptions["UNMATCHED_STATEMENT_LINE"], exceptions["MISSING_FROM_STATEMENT"]
    item_path = f"/ledger/statements/{statement_id}/items"
    assert finance.post(f"{item_path}/{top_up['id']}/resolve", {"action": "ADJUST", "reason": "bank top-up",
                                                               "account": "Assets:Nowhere"}, expect=400)
    assert finance.post(f"{item_path}/{top_up['id']}/resolve", {"action": "ADJUST", "reason": "too short"[:3]},
                        expect=400)["error"] == "VALIDATION_ERROR"
    finance.post(f"{item_path}/{top_up['id']}/resolve",
                 {"action": "ADJUST", "reason": "float top-up from the EUTF account", "account": "Assets:Bank:EUTF"},
                 expect=200)
    approved = signer.post(f"{item_path}/{top_up['id']}/approve", expect=200)  # above the write-off limit
    assert (approved["resolution"], approved["write_off"]["approved_by"]) == ("ADJUST", "finance-2")
    resolved = finance.post(f"{item_path}/{missing['id']}/resolve",
                            {"action": "REVERSE_PAYMENT", "reason": "the rail has no record of it"}, expect=200)
    assert resolved["resolution"] == "REVERSE_PAYMENT" and resolved["resolved_by"] == "finance"
    assert signer.post(f"/ledger/statements/{statement_id}/sign-off", expect=409)["message"].endswith(
        f"is signed off from {today + timedelta(days=1)}")
    get_extension(get_container(suite_runner, LedgerService), LedgerClock).day = today + timedelta(days=1)
    refused = finance.post(f"/ledger/statements/{statement_id}/sign-off", expect=403)
    assert refused["error"] == "SEGREGATION_OF_DUTIES"  # the importer does not sign off
    signed = signer.post(f"/ledger/statements/{statement_id}/sign-off", expect=200)
    assert (signed["status"], signed["open_exceptions"]) == ("SIGNED_OFF", 0)
    assert finance.get("/ledger/statements")[0]["status"] == "SIGNED_OFF"
    balance = finance.get("/ledger/programmes/LG-FIN")  # the missing payment reversed, its payable cancelled
    assert (balance["paid"], balance["reversed"], balance["available"]) == ("500.00", "100.00", "4500.00")

    directory = Path(config["LEDGER"]["directory"])
    [(funding_hash, _)] = find(directory, 'funding-reference: "EUTF-2026-9"')
    correction = {"hash": funding_hash, "reason": "posted to the wrong programme"}
    assert finance.post("/ledger/corrections", correction, expect=201)["entry"] == "funding"
    assert finance.post("/ledger/corrections", correction, expect=409)["error"] == "CONFLICT"
    assert finance.get("/ledger/programmes/LG-FIN")["funded"] == "0.00"
    assert finance.post("/ledger/corrections", {"hash": "0" * 64, "reason": "no such entry"}, expect=404)

    chart = (directory / "accounts.beancount").read_text()
    for configured in ("Assets:Receivable:MobileMoney", "Expenses:Reconciliation:Differences", "Expenses:Fees:MobileMoney"):
        assert f" open {configured}\n" in chart  # opened from LEDGER.chart when the ledger started
    report = verify(str(directory))
    assert report.ok, report
    text = "".join(path.read_text() for path in directory.rglob("*.beancount"))
    assert "balance Assets:MobileMoney:SimMobile:Float  1499.00 USD" in text

"""A month's allowances over HTTP, the real RabbitMQ and the real ledger: prepare → release by
a second finance user → every payment PAID → the ledger's totals by cycle and a valid ledger →
a payment reversed by finance is paid again under a new attempt, once."""
from datetime import datetime, timezone
from pathlib import Path

import requests

from services.ledger.verification.verify import verify
from services.ledger.writer.corrections import payment_hash
from tests.e2e.test_grant_path import PERSON
from tests.support import eventually

PROGRAMME = {"code": "SP-2026", "name": "Aftercare allowance 2026", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "10000.00", "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["ENTRY_ASSESSMENT", "REHABILITATION"],
                           "conditions": [{"type": "consent_active"}]}}
SECOND = {**PERSON, "full_name": "Hodan Ali Farah", "phone": "+252 61 555 0102", "national_id": "SO-1990-112233"}


def test_prepare_release_and_pay_a_cycle(suite, config):
    admin = suite
    officer = admin.new_user("officer-a", "officer", "Kismayo")
    finance_a, finance_b = admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance")
    monitoring = admin.new_user("monitoring", "monitoring")
    admin.post("/programmes", PROGRAMME, expect=201)
    pids = [officer.post("/participants", person, expect=201)["participant_id"] for person in (PERSON, SECOND)]
    funding = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-SP-001", "received_on": "2026-11-02"}
    eventually(lambda: finance_a.call("POST", "/programmes/SP-2026/funding", funding).status_code == 201)
    eventually(lambda: finance_a.get("/programmes/SP-2026/budget")["available"] == "1000.00")
    for pid in pids:
        eventually(lambda: officer.call("GET", f"/programmes/SP-2026/eligibility/{pid}").status_code == 200)

    this_month = datetime.now(timezone.utc).strftime("%Y-%m")  # enrolled today: due for this month
    next_year = f"{int(this_month[:4]) + 1}{this_month[4:]}"
    refused = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": next_year}, expect=400)
    assert refused["message"].startswith(f"{next_year} has not begun")
    cycle = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": this_month}, expect=201)
    cid = cycle["cycle_id"]
    assert (cycle["status"], cycle["total"], cycle["counts"]) == ("PREPARED", "80.00", {"PENDING": 2})
    assert sorted(p["participant_id"] for p in cycle["payments"]) == sorted(pids)
    assert "Amina" not in str(cycle) and "Hodan" not in str(cycle)
    again = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": this_month}, expect=409)
    assert again["error"] == "CONFLICT" and again["message"].endswith(": 2 ALREADY_IN_CYCLE")
    assert finance_a.post(f"/allowances/cycles/{cid}/release", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
    assert officer.post(f"/allowances/cycles/{cid}/release", expect=403)["error"] == "FORBIDDEN"

    assert finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)["status"] == "RELEASED"
    assert finance_b.post(f"/allowances/cycles/{cid}/release", expect=409)["error"] == "ILLEGAL_TRANSITION"
    paid = eventually(lambda: (c := monitoring.get(f"/allowances/cycles/{cid}"))["counts"] == {"PAID": 2} and c)
    assert paid["paid"] == "80.00" and all(p["rail_reference"] for p in paid["payments"])
    assert [c["cycle_id"] for c in finance_a.get("/allowances/cycles?programme=SP-2026")] == [cid]
    assert finance_a.get("/programmes/SP-2026/budget")["available"] == "920.00"

    [row] = [r for r in finance_a.get("/ledger/totals?by=cycle")["rows"] if r["cycle"] == cid]
    assert (row["paid"], row["payments"], row["currency"]) == ("80.00", 2, "USD")
    balances = {(r["account"], r["currency"]): r["balance"] for r in finance_a.get("/ledger/trial-balance")["accounts"]}
    assert balances[("Expenses:SocialProtection:Allowance", "USD")] == "80.00"
    assert balances[("Liabilities:Payable:Allowances", "USD")] == "0.00"
    report = verify(str(Path(config["LEDGER"]["directory"])))
    assert report.ok, report

    pages = requests.Session()  # the finance pages, signed in with the same kind of token the web sign-in sets
    pages.cookies.set("ddrr_session", finance_a.token, path="/app")
    for path in ("/app/payments", f"/app/payments/cycles/{cid}"):
        page = pages.get(f"{finance_a.base_url}{path}", timeout=30)
        assert page.status_code == 200 and cid in page.text, (path, page.status_code)
    assert "Amina" not in page.text and pids[0] in page.text  # pseudonymous ids, never names
    pages.cookies.set("ddrr_session", monitoring.token, path="/app")
    figures = pages.get(f"{monitoring.base_url}/app/figures", timeout=30).text
    assert "<strong>2</strong>allowance payments" in figures and "allowance</td><td>SP-2026" in figures

    reversed_id = paid["payments"][0]["payment_id"]  # the ledger answers failed after completed
    correction = {"hash": payment_hash(Path(config["LEDGER"]["directory"]), reversed_id), "reason": "wrong wallet"}
    finance_a.post("/ledger/corrections", correction, expect=201)
    eventually(lambda: monitoring.get(f"/allowances/cycles/{cid}")["counts"] == {"PAID": 1, "FAILED": 1})
    resent = finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)
    assert sorted(p["idempotency_key"][-3:] for p in resent["payments"]) == [":a1", ":a1", ":a2"]
    final = eventually(lambda: (c := monitoring.get(f"/allowances/cycles/{cid}"))["counts"] == {"PAID": 2} and c)
    assert final["paid"] == "80.00" and finance_a.get("/programmes/SP-2026/budget")["available"] == "920.00"

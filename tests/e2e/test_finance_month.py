"""Finance's month over HTTP, the real RabbitMQ and the real ledger: fund a programme, top up
the float and return some of it to the bank, pay grants and an allowance cycle, import the
month's statement with every exception kind (a return the bank made a day late among them),
resolve them (a write-off above the limit approved by a second user), sign off by another
user than the importer the day after, then, in the next month, a late fee for the closed day
and a journal correction. After each step bean-check, the suite's verify and Fava find
nothing wrong, and the API's trial balance is Beancount's own."""
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import requests
from nameko.testing.utils import get_container, get_extension

from services.ledger.clock import LedgerClock
from services.ledger.service import LedgerService
from services.ledger.verification.verify import verify
from tests.e2e.test_grant_path import PERSON, PLAN
from tests.ledger.beancount_books import api_balances, fava_errors, nonzero, trial_balance
from tests.support import eventually

PROGRAMME = {"code": "FM-2026", "name": "Finance month grants and allowances", "donor": "EUTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "20000.00", "tranches": [{"percent": 100}],
             "approval_tiers": [{"max_amount": None, "approvers": ["officer"]}],
             "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["ENTRY_ASSESSMENT"], "conditions": [{"type": "consent_active"}]}}
PEOPLE = [{**PERSON, "full_name": name, "phone": f"+252 61 555 01{n:02d}", "national_id": f"SO-1990-11{n:04d}"}
          for n, name in enumerate(("Amina Hassan Warsame", "Hodan Ali Farah", "Sahra Omar Nur"), start=1)]
HEADER = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference"
BANK, FLOAT = "Assets:Bank:EUTF", "Assets:MobileMoney:SimMobile:Float"


def statement(day: date, rows: list[tuple]) -> bytes:
    """The rail's statement of `day`: (receipt, time, details, status, paid in, withdrawn,
    reference) rows with the running balance the rail prints."""
    balance, lines = Decimal(0), []
    for receipt, at, details, status, paid_in, withdrawn, reference in rows:
        balance += Decimal(paid_in or 0) - Decimal(withdrawn or 0)
        lines.append(f"{receipt},{day} {at},{details},{status},{paid_in},{withdrawn},{balance},{reference}")
    return ("\n".join([f"Account: {FLOAT}", HEADER, *lines]) + "\n").encode()


class Books:
    """What every step is checked against: Beancount's own tools and the suite's API."""

    def __init__(self, directory: Path, finance):
        self.main, self.finance = directory / "main.beancount", finance

    def clean(self, as_of: date | None = None) -> None:
        checked = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(self.main)],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        report = verify(str(self.main.parent))
        assert report.ok, report
        assert fava_errors(self.main) == []
        for day in (as_of, None):
            ours = self.finance.get("/ledger/trial-balance" + (f"?as_of={day}" if day else ""))
            assert nonzero(api_balances(ours)) == nonzero(trial_balance(self.main, day)), day


def test_finance_month(suite, suite_runner, config):
    admin = suite
    officer_a, officer_b = admin.new_user("officer-a", "officer", "Kismayo"), admin.new_user("officer-b", "officer", "Kismayo")
    finance_a, finance_b = admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance")
    clock = get_extension(get_container(suite_runner, LedgerService), LedgerClock)
    today = datetime.now(timezone.utc).date()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    books = Books(Path(config["LEDGER"]["directory"]), finance_a)

    # Fund the programme and top up the float from the donor's bank account.
    admin.post("/programmes", PROGRAMME, expect=201)
    funding = {"amount": "5000.00", "currency": "USD", "reference": "EUTF-FM-1", "received_on": str(today.replace(day=1))}
    eventually(lambda: finance_a.call("POST", "/programmes/FM-2026/funding", funding).status_code == 201)
    top_up = {"direction": "TOP_UP", "bank_account": BANK, "amount": "1000.00", "currency": "USD",
              "reference": "BANK-TU-1", "day": str(today)}
    assert finance_a.post("/ledger/float-transfers", top_up, expect=201)["kind"] == "TOP_UP"
    assert finance_a.post("/ledger/float-transfers", top_up, expect=200)["already_posted"] is True
    assert finance_a.post("/ledger/float-transfers", {**top_up, "amount": "1001.00"},
                          expect=409)["error"] == "IDEMPOTENCY_CONFLICT"
    for reference, amount, day in (("BANK-RT-1", "100.00", today), ("BANK-RT-2", "50.00", today - timedelta(days=1))):
        back = {**top_up, "direction": "RETURN", "reference": reference, "amount": amount, "day": str(day)}
        assert finance_a.post("/ledger/float-transfers", back, expect=201)["kind"] == "RETURN"
    books.clean()

    # Pay two grants and a month of allowances.
    pids = [officer_a.post("/participants", person, expect=201)["participant_id"] for person in PEOPLE]
    for pid in pids:
        eventually(lambda pid=pid: officer_a.get(f"/programmes/FM-2026/eligibility/{pid}")["eligible"])
    grants = {}
    for pid, amount in zip(pids, ("300.00", "200.00")):
        gid = officer_a.post("/grants", {"programme": "FM-2026", "participant_id": pid, "amount": amount,
                                         "currency": "USD", "business_plan": PLAN}, expect=201)["application_id"]
        officer_a.post(f"/grants/{gid}/submit", expect=200)
        officer_b.post(f"/grants/{gid}/approve", expect=200)
        finance_a.post(f"/grants/{gid}/release", expect=202)
        grants[pid] = eventually(lambda gid=gid: (d := finance_a.get(f"/grants/{gid}")["disbursements"][0])["rail_reference"]
                                 and d["rail_reference"])
    cid = finance_a.post("/allowances/cycles", {"programme": "FM-2026", "month": today.strftime("%Y-%m")},
                         expect=201)["cycle_id"]
    finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)
    eventually(lambda: finance_a.get(f"/allowances/cycles/{cid}")["counts"] == {"PAID": 3})
    allowances = {p["participant_id"]: p["rail_reference"]
                  for p in finance_a.get(f"/allowances/cycles/{cid}/payments")["payments"]}
    books.clean()

    # The month's statement: every exception kind.
    first, second, third = pids
    month = statement(today, [
        ("FM001", "07:00:00", "Funds transfer from bank", "Completed", "1000.00", "", "BANK-TU-1"),
        ("FM002", "09:00:00", "Business payment", "Completed", "", "300.00", grants[first]),
        ("FM002", "09:00:00", "Business payment charge", "Completed", "", "0.50", grants[first]),
        ("FM003", "09:10:00", "Business payment", "Completed", "", "210.00", grants[second]),
        ("FM004", "10:00:00", "Business payment", "Completed", "", "40.00", allowances[first]),
        ("FM005", "10:00:30", "Business payment", "Completed", "", "40.00", allowances[first]),
        ("FM006", "10:05:00", "Business payment", "Completed", "", "40.00", allowances[second]),
        ("FM007", "11:00:00", "Reversal of FM006", "Reversed", "40.00", "", allowances[second]),
        ("FM008", "12:00:00", "Business payment", "Completed", "", "25.00", "SIMUNKNOWN"),
        ("FM009", "13:00:00", "Funds transfer to bank", "Completed", "", "100.00", "BANK-RT-1"),
        ("FM010", "13:05:00", "Funds transfer to bank", "Completed", "", "50.00", "BANK-RT-2")])  # a day late
    imported = finance_a.call_raw("POST", "/ledger/statements", month, "text/csv", expect=201).json()
    sid, counts = imported["id"], imported["counts"]
    assert (counts["MATCHED"], counts["FEE"], counts["TOP_UP"], counts["RETURN"], counts["UNMATCHED_STATEMENT_LINE"],
            counts["AMOUNT_MISMATCH"], counts["DATE_MISMATCH"], counts["DUPLICATE"], counts["REVERSAL"],
            counts["MISSING_FROM_STATEMENT"]) == (3, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    items = {(i["outcome"], i["receipt"]): i["id"] for i in finance_a.get(f"/ledger/statements/{sid}")["items"]}
    resolve = f"/ledger/statements/{sid}/items"
    finance_a.post(f"{resolve}/{items[('AMOUNT_MISMATCH', 'FM003')]}/resolve", {
        "action": "ADJUST", "reason": "the rail took 10.00 too much", "account": "Expenses:Reconciliation:Differences"},
        expect=200)
    for key, account in ((("UNMATCHED_STATEMENT_LINE", "FM008"), "Assets:Receivable:MobileMoney"),
                         (("DUPLICATE", "FM005"), "Assets:Receivable:Recipients")):
        proposed = finance_a.post(f"{resolve}/{items[key]}/resolve",
                                  {"action": "ADJUST", "reason": "owed back, above the limit", "account": account},
                                  expect=200)
        assert proposed["resolution"] is None and proposed["write_off"]["proposed_by"] == "finance-a"
        assert finance_a.post(f"{resolve}/{items[key]}/approve", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
        assert finance_b.post(f"{resolve}/{items[key]}/approve", expect=200)["resolution"] == "ADJUST"
    finance_a.post(f"{resolve}/{items[('REVERSAL', 'FM007')]}/resolve",
                   {"action": "REVERSE_PAYMENT", "reason": "the rail gave it back"}, expect=200)
    finance_a.post(f"{resolve}/{items[('MISSING_FROM_STATEMENT', None)]}/resolve",
                   {"action": "REVERSE_PAYMENT", "reason": "the rail has no record of it"}, expect=200)
    late = f"{resolve}/{items[('DATE_MISMATCH', 'FM010')]}/resolve"
    assert finance_a.post(late, {"action": "ADJUST", "reason": "the bank took a day", "account": BANK},
                          expect=400)["error"] == "VALIDATION_ERROR"  # it would count the return twice
    finance_a.post(late, {"action": "ACCEPT", "reason": "the bank took a day; the float agrees"}, expect=200)
    books.clean(today)
    lines = finance_a.call("GET", f"/ledger/statements/{sid}/lines", expect=200)
    assert lines.headers["Content-Type"].startswith("text/csv") and lines.text.count("\n") == 13
    assert "Business payment" not in lines.text  # the rail's Details (payees' names) are never exported

    # Sign-off: not by the importer, not before the day is over; then the period is closed.
    assert finance_b.post(f"/ledger/statements/{sid}/sign-off", expect=409)["message"].startswith(f"{today} is not over")
    clock.day = today + timedelta(days=1)
    assert finance_a.post(f"/ledger/statements/{sid}/sign-off", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
    signed = finance_b.post(f"/ledger/statements/{sid}/sign-off", expect=200)
    assert (signed["status"], signed["closing_balance"]) == ("SIGNED_OFF", "234.50")
    assert finance_a.get("/ledger/period")["closed_through"] == str(today)
    books.clean(today)

    # The next month: a late fee for the closed day, and a journal correction.
    clock.day = next_month
    again = statement(today, [("FM101", "18:00:00", "Business payment charge", "Completed", "", "1.00", "X")])
    refused = finance_a.call_raw("POST", "/ledger/statements", again, "text/csv", expect=409).json()
    assert refused["error"] == "PERIOD_CLOSED"
    late_fee = {"key": "late-fee-1", "day": str(today), "narration": "Monthly bulk-payment charge billed late",
                "currency": "USD", "reason": "the rail's invoice arrived after sign-off",
                "lines": [{"account": "Expenses:Fees:MobileMoney", "side": "DEBIT", "amount": "2.00"},
                          {"account": FLOAT, "side": "CREDIT", "amount": "2.00"}]}
    fee = finance_a.post("/ledger/journal", late_fee, expect=201)
    assert finance_a.post("/ledger/journal", late_fee, expect=200)["id"] == fee["id"]
    assert finance_a.post(f"/ledger/journal/{fee['id']}/approve", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
    posted = finance_b.post(f"/ledger/journal/{fee['id']}/approve", expect=200)
    assert posted["posted_on"] == str(today + timedelta(days=1))  # the first open day, its own date kept
    text = "".join(path.read_text() for path in books.main.parent.rglob("*.beancount"))
    assert f'original-date: "{today}"' in text
    correction = {"key": "fix-mismatch-1", "day": str(next_month), "narration": "Over-withdrawal is owed by the rail",
                  "currency": "USD", "reason": "the rail agreed to refund the 10.00",
                  "lines": [{"account": "Assets:Receivable:MobileMoney", "side": "DEBIT", "amount": "10.00"},
                            {"account": "Expenses:Reconciliation:Differences", "side": "CREDIT", "amount": "10.00"}]}
    assert finance_a.post("/ledger/journal", {**correction, "lines": correction["lines"][:1] * 2},
                          expect=400)["error"] == "VALIDATION_ERROR"
    fix = finance_a.post("/ledger/journal", correction, expect=201)
    assert finance_b.post(f"/ledger/journal/{fix['id']}/approve", expect=200)["posted_on"] == str(next_month)
    journal = finance_a.call("GET", "/ledger/journal?format=csv", expect=200).text
    assert journal.count(fee["id"]) == 2 and journal.count(fix["id"]) == 2
    balances = {row["account"]: row["balance"] for row in finance_a.get("/ledger/trial-balance")["accounts"]}
    assert balances["Expenses:Reconciliation:Differences"] == "0.00" and balances[FLOAT] == "232.50"
    books.clean(today)

    pages = requests.Session()  # finance's books page, signed in with the kind of token the web sign-in sets
    pages.cookies.set("ddrr_session", finance_a.token, path="/app")
    page = pages.get(f"{finance_a.base_url}/app/books", timeout=30)
    assert page.status_code == 200 and fee["id"] in page.text and fix["id"] in page.text and str(today) in page.text

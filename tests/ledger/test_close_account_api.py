"""Closing an account over HTTP, the gateway and the real ledger service: one finance user
asks, another approves, and only then is the `close` directive appended; the requester
approving, an unknown account, the ledger's own account and an account holding money are
refused and write nothing; a journal entry naming a closed account is refused. After each
test bean-check and `ddrr ledger verify` pass."""
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.cli import main
from services.gateway.service import GatewayService
from services.ledger.service import LedgerService
from tests.support import Api, bootstrap_admin

UNUSED, RECEIVABLE = "Expenses:Reconciliation:Differences", "Assets:Receivable:MobileMoney"


class Books:
    def __init__(self, directory: Path):
        self.directory = directory

    def chart(self) -> str:
        return (self.directory / "accounts.beancount").read_text()

    def clean(self) -> None:
        checked = subprocess.run([str(Path(sys.executable).parent / "bean-check"),
                                  str(self.directory / "main.beancount")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with pytest.raises(SystemExit) as verdict:
            main(["ledger", "verify"])
        assert verdict.value.code == 0


@pytest.fixture
def finance(config, runner_factory, tmp_path, monkeypatch):
    """Two finance users of the gateway and ledger, and the ledger's books."""
    runner_factory(config, GatewayService, LedgerService).start()
    monkeypatch.setenv("DDRR_DATA_DIR", str(tmp_path))  # where `ddrr ledger verify` finds this ledger
    admin = Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))
    books = Books(Path(config["LEDGER"]["directory"]))
    yield admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance"), books
    books.clean()


def move(preparer, approver, key: str, into: str, out_of: str, amount: str = "5.00") -> None:
    """A journal entry prepared by one and approved by the other."""
    entry = {"key": key, "day": str(datetime.now(timezone.utc).date()), "narration": "Moved", "currency": "USD",
             "reason": "monthly review", "lines": [{"account": into, "side": "DEBIT", "amount": amount},
                                                   {"account": out_of, "side": "CREDIT", "amount": amount}]}
    prepared = preparer.post("/ledger/journal", entry, expect=201)
    approver.post(f"/ledger/journal/{prepared['id']}/approve", expect=200)


def test_an_account_is_closed_by_a_second_finance_user_and_then_takes_no_entry(finance):
    finance_a, finance_b, books = finance
    asked = finance_a.post("/ledger/accounts/close", {"account": UNUSED, "reason": "no longer used"}, expect=201)
    assert (asked["status"], asked["requested_by"], asked["already_requested"]) == ("REQUESTED", "finance-a", False)
    again = finance_a.post("/ledger/accounts/close", {"account": UNUSED, "reason": "no longer used"}, expect=200)
    assert (again["id"], again["already_requested"]) == (asked["id"], True)
    assert [r["id"] for r in finance_b.get("/ledger/accounts/close")] == [asked["id"]]

    refused = finance_a.post(f"/ledger/accounts/close/{asked['id']}/approve", expect=403)
    assert refused["error"] == "SEGREGATION_OF_DUTIES" and "close " + UNUSED not in books.chart()
    closed = finance_b.post(f"/ledger/accounts/close/{asked['id']}/approve", expect=200)
    today = str(datetime.now(timezone.utc).date())
    assert (closed["status"], closed["approved_by"], closed["closed_on"]) == ("APPROVED", "finance-b", today)
    assert books.chart().count(f"{today} close {UNUSED}") == 1
    assert finance_a.post(f"/ledger/accounts/close/{asked['id']}/approve", expect=409)["error"] == "CONFLICT"
    assert finance_a.post("/ledger/accounts/close", {"account": UNUSED, "reason": "once more"},
                          expect=409)["message"] == f"{UNUSED} was closed on {today}"
    books.clean()

    journal_before = finance_a.get("/ledger/journal")
    entry = {"key": "after-close", "day": today, "narration": "Moved", "currency": "USD", "reason": "review",
             "lines": [{"account": RECEIVABLE, "side": "DEBIT", "amount": "1.00"},
                       {"account": UNUSED, "side": "CREDIT", "amount": "1.00"}]}
    answer = finance_a.post("/ledger/journal", entry, expect=409)
    assert answer["error"] == "ACCOUNT_CLOSED" and f"{UNUSED} (closed on {today})" in answer["message"]
    assert finance_a.get("/ledger/journal") == journal_before


def test_closing_an_unknown_account_the_ledgers_own_or_one_with_money_is_refused(finance):
    finance_a, finance_b, books = finance
    chart = books.chart()
    for account, status, words in (("Assets:Nowhere", 404, "unknown account Assets:Nowhere"),
                                   ("Assets:MobileMoney:SimMobile:Float", 409, "posted to by the ledger itself")):
        answer = finance_a.post("/ledger/accounts/close", {"account": account, "reason": "tidy up"}, expect=status)
        assert words in answer["message"]
    asked = finance_a.post("/ledger/accounts/close", {"account": RECEIVABLE, "reason": "tidy up"}, expect=201)
    move(finance_a, finance_b, "owed", RECEIVABLE, UNUSED)  # money arrives before the approval
    answer = finance_b.post(f"/ledger/accounts/close/{asked['id']}/approve", expect=409)
    assert answer["message"].startswith(f"{RECEIVABLE} still holds 5.00 USD: move it out with a journal entry")
    assert finance_a.post("/ledger/accounts/close", {"account": UNUSED, "reason": "tidy up"},
                          expect=409)["message"].startswith(f"{UNUSED} still holds -5.00 USD")
    assert books.chart() == chart
    assert finance_a.get("/ledger/accounts/close")[0]["status"] == "REQUESTED"

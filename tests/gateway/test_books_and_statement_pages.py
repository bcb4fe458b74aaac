"""Finance's statement and books pages over a stubbed ledger: every outcome of a statement
line in words (a float return is not a grant "returned for revision"), the ledger's day of a
transfer made on another day, both CSV downloads, and closing an account asked for by one
finance user and approved only by another."""
import pytest
from nameko.rpc import rpc

from services.gateway.service import GatewayService
from services.ledger.reconciliation.matcher import Outcome
from shared.errors import Conflict, SegregationOfDuties
from tests.gateway.test_page_pipeline import as_browser
from tests.support import Api, bootstrap_admin

asked = []
DATE_MISMATCH = {"id": 7, "receipt": "R7", "outcome": "DATE_MISMATCH", "completed_at": "2026-11-03T09:00:00",
                 "category": "top-up", "reference": "TOPUP-9", "paid_in": "500.00", "withdrawn": "0.00",
                 "disbursement_id": None, "expected_amount": "500.00", "duplicate_of": None,
                 "transfer_reference": "TOPUP-9", "expected_day": "2026-11-02", "difference": "0.00",
                 "resolution": None, "resolution_account": None, "resolution_reason": None, "resolved_by": None,
                 "write_off": None}
REQUEST = {"id": 3, "account": "Expenses:Grants:OLD", "reason": "programme ended", "status": "REQUESTED",
           "requested_by": "finance-1", "approved_by": None, "closed_on": None}


class Ledger:
    name = "ledger"

    @rpc
    def statement(self, statement_id, outcome=None):
        return {"id": statement_id, "account": "Assets:Rail:Float", "currency": "USD", "first_day": "2026-11-01",
                "last_day": "2026-11-30", "closing_balance": "1200.00", "status": "IMPORTED",
                "imported_by": "finance-1", "imported_at": "2026-12-01T08:00:00", "signed_off_by": None,
                "signed_off_at": None, "counts": {**{str(o): 0 for o in Outcome}, "TOP_UP": 1, "RETURN": 1,
                                                  "DATE_MISMATCH": 1}, "open_exceptions": 1,
                "items": [DATE_MISMATCH]}

    @rpc
    def statement_lines_csv(self, statement_id):
        return f"position,outcome\n1,TOP_UP\n# {statement_id}\n"

    @rpc
    def journal(self, as_csv=False):
        return "entry,account,side,amount\nJ-1,Assets:Bank,DEBIT,5.00\n" if as_csv else []

    @rpc
    def period(self):
        return {"closed_through": None, "first_open_day": None, "reopen_requests": []}

    @rpc
    def trial_balance(self, as_csv=False, as_of=None):
        return {"accounts": [], "totals": {}}

    @rpc
    def totals(self, by, as_csv=False, first=None, last=None):
        return {"rows": []}

    @rpc
    def close_account_requests(self):
        return [REQUEST, {**REQUEST, "id": 2, "account": "Expenses:Old", "status": "APPROVED",
                          "approved_by": "finance-2", "closed_on": "2026-11-20"}]

    @rpc
    def request_close_account(self, data, user):
        asked.append(("request", data, user))
        if data["account"] == "Assets:Bank:MDTF":
            raise Conflict("Assets:Bank:MDTF holds 10.00 USD: only an account whose balance is zero is closed")
        return {**REQUEST, "account": data["account"], "already_requested": False}

    @rpc
    def approve_close_account(self, request_id, user):
        asked.append(("approve", request_id, user))
        if user == REQUEST["requested_by"]:
            raise SegregationOfDuties("another finance user than the requester approves the closing")
        return {**REQUEST, "status": "APPROVED", "approved_by": user, "closed_on": "2026-12-01"}


@pytest.fixture
def finance(config, runner_factory):
    runner_factory(config, GatewayService, Ledger).start()
    admin = Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))
    asked.clear()
    return admin.new_user("finance-1", "finance"), admin.new_user("finance-2", "finance")


def test_the_statement_names_every_outcome_and_the_ledgers_day_in_english_and_somali(finance):
    first, _second = finance
    page = as_browser(first, "GET", "/app/reconciliation/S-000001")
    assert page.status_code == 200, page.text[-500:]
    for words in ("Float top-up from the bank: <strong>1</strong>", "Float returned to the bank: <strong>1</strong>",
                  "Day differs from the ledger&#39;s: <strong>1</strong>",
                  "<dt>Day in the ledger</dt><dd>2026-11-02</dd>",
                  '<a href="/app/reconciliation/S-000001/lines.csv">'):
        assert words in page.text, words
    assert "Returned for revision" not in page.text
    resolve = page.text[page.text.index("/items/7/resolve"):].split("</form>")[0]
    assert 'value="ACCEPT"' in resolve and 'value="ADJUST"' not in resolve  # adjusting would count it twice
    as_browser(first, "POST", "/app/language", {"language": "so"})
    somali = as_browser(first, "GET", "/app/reconciliation/S-000001").text
    assert "Lacagta wareegga oo bangiga loo celiyay" in somali and "Maalinta buugga xisaabaadka" in somali


def test_a_statements_lines_and_the_journal_download_as_csv(finance):
    first, _second = finance
    for path, name, text in (("/app/reconciliation/S-000001/lines.csv", "statement-S-000001", "1,TOP_UP"),
                             ("/app/books/journal.csv", "journal", "J-1,Assets:Bank,DEBIT,5.00")):
        answer = as_browser(first, "GET", path)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv"), path
        assert answer.headers["Content-Disposition"] == f"attachment; filename={name}.csv" and text in answer.text
    assert '<a href="/app/books/journal.csv">' in as_browser(first, "GET", "/app/books").text


def test_closing_an_account_is_asked_by_one_finance_user_and_approved_by_another(finance):
    first, second = finance
    mine = as_browser(first, "GET", "/app/books").text
    theirs = as_browser(second, "GET", "/app/books").text
    approve = 'action="/app/books/accounts/close/3/approve"'
    assert approve not in mine and "Another finance user approves it." in mine
    assert theirs.count(approve) == 1 and "/accounts/close/2/approve" not in theirs  # an approved one: none
    assert "closed from 2026-11-20" in theirs

    asked_for = as_browser(first, "POST", "/app/books/accounts/close",
                           {"form": "close", "account": "Expenses:Grants:OLD", "reason": "programme ended"})
    assert (asked_for.status_code, asked_for.headers["Location"]) == (303, "/app/books")
    refused = as_browser(first, "POST", "/app/books/accounts/close",
                         {"form": "close", "account": "Assets:Bank:MDTF", "reason": "moved banks"})
    assert refused.status_code == 409 and "holds 10.00 USD" in refused.text
    assert 'value="Assets:Bank:MDTF"' in refused.text  # what was typed is kept
    invalid = as_browser(first, "POST", "/app/books/accounts/close",
                         {"form": "close", "account": "Expenses:Grants:OLD", "reason": "no"})
    assert invalid.status_code == 400 and 'id="problem-reason"' in invalid.text

    assert as_browser(first, "POST", "/app/books/accounts/close/3/approve").status_code == 403
    approved = as_browser(second, "POST", "/app/books/accounts/close/3/approve")
    assert (approved.status_code, approved.headers["Location"]) == (303, "/app/books")
    assert asked == [("request", {"account": "Expenses:Grants:OLD", "reason": "programme ended"}, "finance-1"),
                     ("request", {"account": "Assets:Bank:MDTF", "reason": "moved banks"}, "finance-1"),
                     ("approve", 3, "finance-1"), ("approve", 3, "finance-2")]

"""The ledger at the HTTP edge, for finance: reports, corrections, reconciliation, the float's
top-ups and returns, opening balances, the general journal, the closed period and closing accounts."""
from werkzeug.wrappers import Response

from services.gateway.routes import CsvUpload, Reply, api, body
from services.gateway.schemas import Empty, FormatQuery, StatementQuery, TotalsQuery, TrialBalanceQuery
from services.ledger.schemas import (CloseAccount, FloatTransfer, OpeningBalances, PrepareJournalEntry, ReopenPeriod, ResolveItem,
                                     ReverseEntry)
from shared.errors import ValidationFailed

FINANCE = {"finance"}


def csv_download(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}.csv"})


class LedgerRoutes:
    """Mixed into the gateway service; uses its `ledger` RPC proxy."""

    @api("GET", "/ledger/trial-balance", roles=FINANCE, query=TrialBalanceQuery, csv=True)
    def trial_balance(self, user, query):
        """Every account's balance from the ledger's index, now or at the end of `as_of`, as JSON or CSV."""
        as_of = query.as_of.isoformat() if query.as_of else None
        if query.format == "csv":
            return csv_download(self.ledger.trial_balance(True, as_of), f"trial-balance-{as_of or 'now'}")
        return self.ledger.trial_balance(False, as_of)

    @api("GET", "/ledger/totals", roles=FINANCE, query=TotalsQuery, csv=True)
    def ledger_totals(self, user, query):
        """Funding received and disbursements paid, failed or reversed, by donor, programme,
        payment cycle or month, optionally for the days `from`–`to`, as JSON or CSV."""
        days = [day.isoformat() if day else None for day in (query.first, query.last)]
        if query.format == "csv":
            return csv_download(self.ledger.totals(query.by, True, *days), f"totals-by-{query.by}")
        return self.ledger.totals(query.by, False, *days)

    @api("GET", "/ledger/programmes/<programme>", roles={"finance", "supervisor", "admin"})
    def ledger_programme_balance(self, user, programme):
        """A programme's money in the ledger: funded, committed, paid, available."""
        return self.ledger.programme_balance(programme)

    @api("GET", "/ledger/disbursements/<disbursement_id>", roles=FINANCE)
    def ledger_disbursement(self, user, disbursement_id):
        """What the ledger recorded for a disbursement."""
        return self.ledger.disbursement(disbursement_id)

    @api("POST", "/ledger/corrections", roles=FINANCE, body=ReverseEntry, status=201)
    def reverse_entry(self, user, data):
        """Correct the ledger: the reversing entry of a transaction (by its hash), with a reason."""
        return self.ledger.reverse_entry(body(data), user.username)

    @api("POST", "/ledger/statements", roles=FINANCE, body=CsvUpload, status=201, also=(200,))
    def import_statement(self, user, data):
        """Import the rail's statement (CSV) and reconcile it: 201 with its outcomes, or 200
        when this very file was imported before (nothing changes)."""
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("the statement is not UTF-8 text") from None
        result = self.ledger.import_statement(text, user.username)
        return Reply(200 if result["already_imported"] else 201, result)

    @api("GET", "/ledger/statements", roles=FINANCE)
    def list_statements(self, user):
        """Imported statements, the latest first, with their status."""
        return self.ledger.list_statements()

    @api("GET", "/ledger/statements/<statement_id>", roles=FINANCE, query=StatementQuery)
    def get_statement(self, user, query, statement_id):
        """A statement's outcome counts and its exceptions (or one outcome's lines)."""
        return self.ledger.statement(statement_id, query.outcome)

    @api("POST", "/ledger/statements/<statement_id>/items/<int:item_id>/resolve", roles=FINANCE, body=ResolveItem)
    def resolve_item(self, user, data, statement_id, item_id):
        """Resolve one exception with a reason: ACCEPT, ADJUST (to an open account) or REVERSE_PAYMENT."""
        return self.ledger.resolve_item(statement_id, item_id, body(data), user.username)

    @api("POST", "/ledger/statements/<statement_id>/sign-off", roles=FINANCE, body=Empty)
    def sign_off(self, user, data, statement_id):
        """Sign the statement's period off: a balance assertion in the ledger; refused while
        any exception is open or the float disagrees with the statement."""
        return self.ledger.sign_off(statement_id, user.username)

    @api("GET", "/ledger/statements/<statement_id>/lines", roles=FINANCE, csv=True)
    def statement_lines(self, user, statement_id):
        """Every line of a statement with its outcome and resolution, as CSV (never the rail's Details)."""
        return csv_download(self.ledger.statement_lines_csv(statement_id), f"statement-{statement_id}")

    @api("POST", "/ledger/statements/<statement_id>/items/<int:item_id>/approve", roles=FINANCE, body=Empty)
    def approve_write_off(self, user, data, statement_id, item_id):
        """Approve a write-off above the limit that another finance user proposed: it is appended."""
        return self.ledger.approve_write_off(statement_id, item_id, user.username)

    @api("POST", "/ledger/float-transfers", roles=FINANCE, body=FloatTransfer, status=201, also=(200,))
    def move_float(self, user, data):
        """Top up the rail's float from a bank account, or return float money to it: 201, or 200
        with the first result when this reference was posted before with the same content."""
        result = self.ledger.move_float(body(data), user.username)
        return Reply(200 if result["already_posted"] else 201, result)

    @api("POST", "/ledger/opening-balances", roles=FINANCE, body=OpeningBalances, status=201, also=(200,))
    def open_books(self, user, data):
        """Post the books' opening balances once, each line against Equity:Opening-Balances."""
        result = self.ledger.open_books(body(data), user.username)
        return Reply(200 if result["already_posted"] else 201, result)

    @api("POST", "/ledger/journal", roles=FINANCE, body=PrepareJournalEntry, status=201, also=(200,))
    def prepare_journal_entry(self, user, data):
        """Prepare a general journal entry (balanced, on open accounts) for another finance user
        to approve; 200 with the first result when this key was submitted with the same content."""
        result = self.ledger.prepare_journal_entry(body(data), user.username)
        return Reply(200 if result["already_prepared"] else 201, result)

    @api("GET", "/ledger/journal", roles=FINANCE, query=FormatQuery, csv=True)
    def journal(self, user, query):
        """The general journal entries, prepared and approved, as JSON or CSV (one row per line)."""
        if query.format == "csv":
            return csv_download(self.ledger.journal(True), "journal")
        return self.ledger.journal()

    @api("POST", "/ledger/journal/<entry_id>/approve", roles=FINANCE, body=Empty)
    def approve_journal_entry(self, user, data, entry_id):
        """Approve another finance user's journal entry: it is appended to the ledger."""
        return self.ledger.approve_journal_entry(entry_id, user.username)

    @api("GET", "/ledger/period", roles=FINANCE)
    def period(self, user):
        """The closed period (through which day nothing is written again), its history and re-open requests."""
        return self.ledger.period()

    @api("POST", "/ledger/period/reopen", roles=FINANCE, body=ReopenPeriod, status=201)
    def request_reopen(self, user, data):
        """Ask to re-open the closed period from a day, with a reason; another finance user approves."""
        return self.ledger.request_reopen(body(data), user.username)

    @api("POST", "/ledger/period/reopen/<int:request_id>/approve", roles=FINANCE, body=Empty)
    def approve_reopen(self, user, data, request_id):
        """Approve another finance user's request: the period is re-opened from its day."""
        return self.ledger.approve_reopen(request_id, user.username)

    @api("POST", "/ledger/accounts/close", roles=FINANCE, body=CloseAccount, status=201, also=(200,))
    def request_close_account(self, user, data):
        """Ask to close an account whose balance is zero, with a reason, for another finance user
        to approve: 201, or 200 with the request already awaiting approval; 409 while it holds money."""
        result = self.ledger.request_close_account(body(data), user.username)
        return Reply(200 if result["already_requested"] else 201, result)

    @api("GET", "/ledger/accounts/close", roles=FINANCE)
    def close_account_requests(self, user):
        """The requests to close an account, awaiting approval or approved, the latest first."""
        return self.ledger.close_account_requests()

    @api("POST", "/ledger/accounts/close/<int:request_id>/approve", roles=FINANCE, body=Empty)
    def approve_close_account(self, user, data, request_id):
        """Approve another finance user's request: a `close` directive, after which nothing is
        posted to the account (409 ACCOUNT_CLOSED)."""
        return self.ledger.approve_close_account(request_id, user.username)

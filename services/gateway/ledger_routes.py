"""The ledger at the HTTP edge, for finance: reports, corrections and reconciliation."""
from werkzeug.wrappers import Response

from services.gateway.routes import CsvUpload, Reply, api, body
from services.gateway.schemas import Empty, StatementQuery, TotalsQuery, TrialBalanceQuery
from services.ledger.schemas import ResolveItem, ReverseEntry
from shared.errors import ValidationFailed

FINANCE = {"finance"}


def csv_download(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}.csv"})


class LedgerRoutes:
    """Mixed into the gateway service; uses its `ledger` RPC proxy."""

    @api("GET", "/ledger/trial-balance", roles=FINANCE, query=TrialBalanceQuery, csv=True)
    def trial_balance(self, user, query):
        """Every account's balance from the ledger's index, as JSON or CSV."""
        if query.format == "csv":
            return csv_download(self.ledger.trial_balance(True), "trial-balance")
        return self.ledger.trial_balance()

    @api("GET", "/ledger/totals", roles=FINANCE, query=TotalsQuery, csv=True)
    def ledger_totals(self, user, query):
        """Funding received and disbursements paid, failed or reversed, by donor, programme,
        payment cycle or month, as JSON or CSV."""
        if query.format == "csv":
            return csv_download(self.ledger.totals(query.by, True), f"totals-by-{query.by}")
        return self.ledger.totals(query.by)

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

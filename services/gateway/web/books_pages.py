"""Finance's books: the trial balance (each currency's total is zero when the books
balance) and money in and out by programme, donor, cycle or month, both to download as CSV;
top-ups of the rail's float and returns to the bank, general journal entries prepared by one
finance user and approved by another (the journal to download as CSV too), the closed period
with its re-opening, and closing an account whose balance is zero (each asked for by one,
approved by another)."""
from services.gateway.schemas import TotalsQuery
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command, today
from services.gateway.web.render import download
from services.ledger.schemas import CloseAccount, FloatTransfer, PrepareJournalEntry, ReopenPeriod

FINANCE = {"finance"}
BOOKS = "/app/books"
GROUPINGS = {"programme": N_("Programme"), "donor": N_("Donor"), "cycle": N_("Payment cycle"), "month": N_("Month")}


def _grouping(view) -> str:
    """How the totals are grouped: by programme unless the address asks otherwise."""
    return command(TotalsQuery, {"by": view.request.args.get("by") or "programme"})["by"]


class BooksPages:
    """Mixed into the gateway service; uses its `ledger` RPC proxy."""

    @page("GET", BOOKS, roles=FINANCE)
    def page_books(self, view):
        by = _grouping(view)
        return view.show("books.html", period=self.ledger.period(), journal=self.ledger.journal(),
                         trial_balance=self.ledger.trial_balance(), totals=self.ledger.totals(by), by=by,
                         groupings=GROUPINGS, today=today(), closing=self.ledger.close_account_requests())

    @page("GET", "/app/books/trial-balance.csv", roles=FINANCE)
    def page_trial_balance_csv(self, view):
        return download(self.ledger.trial_balance(True), "trial-balance")

    @page("GET", "/app/books/journal.csv", roles=FINANCE)
    def page_journal_csv(self, view):
        """The general journal, one row per line of each entry."""
        return download(self.ledger.journal(True), "journal")

    @page("GET", "/app/books/totals.csv", roles=FINANCE)
    def page_totals_csv(self, view):
        by = _grouping(view)
        return download(self.ledger.totals(by, True), f"totals-by-{by}")

    @page("POST", "/app/books/transfers", roles=FINANCE, back=BOOKS)
    def form_move_float(self, view):
        form = view.request.form
        data = command(FloatTransfer, {name: form.get(name, "") for name in
                                       ("direction", "bank_account", "amount", "currency", "reference", "day")})
        moved = self.ledger.move_float(data, view.user.username)
        said = N_("Reference %(reference)s was posted before; nothing changed.") if moved["already_posted"] \
            else N_("%(amount)s posted to the float's books under %(reference)s.")
        return view.then(BOOKS, view.gettext(said, reference=moved["reference"],
                                             amount=view.money(moved["amount"], moved["currency"])))

    @page("POST", "/app/books/journal", roles=FINANCE, back=BOOKS)
    def form_prepare_journal_entry(self, view):
        form = view.request.form
        amount = form.get("amount", "")
        data = command(PrepareJournalEntry, {
            "key": form.get("key", ""), "day": form.get("day", ""), "narration": form.get("narration", ""),
            "currency": form.get("currency", ""), "reason": form.get("reason", ""),
            "lines": [{"account": form.get("debit", ""), "side": "DEBIT", "amount": amount},
                      {"account": form.get("credit", ""), "side": "CREDIT", "amount": amount}]})
        entry = self.ledger.prepare_journal_entry(data, view.user.username)
        return view.then(BOOKS, view.gettext(
            N_("Journal entry %(entry)s prepared; another finance user approves it."), entry=entry["id"]))

    @page("POST", "/app/books/journal/<entry_id>/approve", roles=FINANCE, back=BOOKS)
    def form_approve_journal_entry(self, view, entry_id):
        entry = self.ledger.approve_journal_entry(entry_id, view.user.username)
        return view.then(BOOKS, view.gettext(N_("Journal entry %(entry)s approved and posted on %(day)s."),
                                             entry=entry["id"], day=entry["posted_on"]))

    @page("POST", "/app/books/reopen", roles=FINANCE, back=BOOKS)
    def form_request_reopen(self, view):
        form = view.request.form
        data = command(ReopenPeriod, {"reopen_from": form.get("reopen_from", ""), "reason": form.get("reason", "")})
        self.ledger.request_reopen(data, view.user.username)
        return view.then(BOOKS, view.gettext(N_("Re-opening asked for; another finance user approves it.")))

    @page("POST", "/app/books/reopen/<int:request_id>/approve", roles=FINANCE, back=BOOKS)
    def form_approve_reopen(self, view, request_id):
        approved = self.ledger.approve_reopen(request_id, view.user.username)
        return view.then(BOOKS, view.gettext(N_("The period is open again from %(day)s."), day=approved["reopen_from"]))

    @page("POST", "/app/books/accounts/close", roles=FINANCE, back=BOOKS)
    def form_request_close_account(self, view):
        form = view.request.form
        data = command(CloseAccount, {"account": form.get("account", ""), "reason": form.get("reason", "")})
        asked = self.ledger.request_close_account(data, view.user.username)
        said = N_("Closing %(account)s was already asked for; another finance user approves it.") \
            if asked["already_requested"] else N_("Closing %(account)s asked for; another finance user approves it.")
        return view.then(BOOKS, view.gettext(said, account=asked["account"]))

    @page("POST", "/app/books/accounts/close/<int:request_id>/approve", roles=FINANCE, back=BOOKS)
    def form_approve_close_account(self, view, request_id):
        closed = self.ledger.approve_close_account(request_id, view.user.username)
        return view.then(BOOKS, view.gettext(N_("%(account)s is closed from %(day)s: nothing is posted to it again."),
                                             account=closed["account"], day=closed["closed_on"]))

"""Finance's screens: donor funding received, grants awaiting release and their
disbursements, monthly allowance payment cycles (prepare, review, release by another
person), and reconciliation
of the rail's statement (import, resolve exceptions, sign off), with a link to Fava."""
from services.gateway.grant_routes import FundingReceipt
from services.gateway.web import fava
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command, optional, today
from services.gateway.web.render import download
from services.ledger.schemas import ResolveItem
from services.livelihoods.schemas import PageQuery, PrepareCycle, PrepareGrantCycle
from shared.errors import ValidationFailed

FINANCE = {"finance"}
STATEMENT_PAGE = "/app/reconciliation/<statement_id>"
CYCLE_PAGE = "/app/payments/cycles/<cycle_id>"
CYCLE_PAGE_SIZE = 100


def _prepared(view, cycle: dict):
    """To the new cycle's page, saying what it declares and that someone else releases it."""
    return view.then(f"/app/payments/cycles/{cycle['cycle_id']}", view.gettext(
        N_("Cycle %(cycle)s prepared: %(count)s payments, %(total)s declared, %(left_out)s left out. "
           "Another finance user releases it."), cycle=cycle["cycle_id"], count=cycle["declared_count"],
        total=view.money(cycle["declared_total"], cycle["currency"]),
        left_out=sum(cycle["left_out_counts"].values())))


class FinancePages:
    """Mixed into the gateway service; uses its `livelihoods` and `ledger` RPC proxies."""

    @page("GET", "/app/payments", roles=FINANCE)
    def page_payments(self, view):
        waiting = self.livelihoods.approval_queue({"status": "APPROVED"})
        disbursing = self.livelihoods.approval_queue({"status": "DISBURSING"})
        listed = self.livelihoods.list_programmes()
        budgets = [self.livelihoods.budget(p["code"]) for p in listed]
        return view.show("payments.html", waiting=waiting, disbursing=disbursing, budgets=budgets,
                         cycles=self.livelihoods.list_cycles(), paying=[p["code"] for p in listed if p["allowance"]],
                         granting=[p["code"] for p in listed], today=today(),
                         fava_url=fava.reachable(self.config))

    @page("POST", "/app/payments/funding", roles=FINANCE, back="/app/payments")
    def form_record_funding(self, view):
        """Posted to the ledger in the programme's currency; the budget follows once the ledger
        tells livelihoods."""
        form = view.request.form
        code = form.get("programme", "")
        programme = next((p for p in self.livelihoods.list_programmes() if p["code"] == code), None)
        if programme is None:
            raise ValidationFailed(view.gettext(N_("choose one of the programmes listed")))
        data = command(FundingReceipt, {"amount": form.get("amount", ""), "currency": programme["currency"],
                                        "reference": form.get("reference", ""),
                                        "received_on": form.get("received_on", "")})
        funded = self.ledger.post_funding({**data, "programme": code})
        return view.then("/app/payments", view.gettext(
            N_("%(amount)s from %(donor)s recorded for %(programme)s under %(reference)s; its money below follows "
               "in a moment."), amount=view.money(funded["amount"], funded["currency"]), donor=funded["donor"],
            programme=code, reference=funded["reference"]))

    @page("POST", "/app/payments/cycles", roles=FINANCE, back="/app/payments")
    def form_prepare_cycle(self, view):
        form = view.request.form
        data = command(PrepareCycle, {"programme": form.get("programme", ""), "month": form.get("month", "")})
        cycle = self.livelihoods.prepare_cycle(data, view.user.username)
        return _prepared(view, cycle)

    @page("POST", "/app/payments/grant-cycles", roles=FINANCE, back="/app/payments")
    def form_prepare_grant_cycle(self, view):
        data = command(PrepareGrantCycle, {"programme": view.request.form.get("programme", "")})
        cycle = self.livelihoods.prepare_grant_cycle(data, view.user.username)
        return _prepared(view, cycle)

    @page("GET", CYCLE_PAGE, roles=FINANCE)
    def page_cycle(self, view, cycle_id):
        """The cycle's progress and one page of its payments (of one status, if asked)."""
        args = view.request.args
        asked = {k: v for k, v in command(PageQuery, {"status": args.get("status") or None, "limit": CYCLE_PAGE_SIZE,
                                                      "after": args.get("after") or None}).items() if v is not None}
        return view.show("cycle.html", cycle=self.livelihoods.get_cycle(cycle_id),
                         page=self.livelihoods.cycle_payments(cycle_id, asked), shown=asked.get("status", ""))

    @page("POST", "/app/payments/cycles/<cycle_id>/release", roles=FINANCE, back=CYCLE_PAGE)
    def form_release_cycle(self, view, cycle_id):
        released = self.livelihoods.release_cycle(cycle_id, view.user.username)["released"]
        return view.then(f"/app/payments/cycles/{cycle_id}", view.gettext(
            N_("Cycle %(cycle)s released: %(sent)s payments sent (%(amount)s), %(held)s held."), cycle=cycle_id,
            sent=released["sent"], amount=released["sent_amount"], held=released["stopped"]))

    @page("POST", "/app/payments/<application_id>/release", roles=FINANCE, back="/app/payments")
    def form_release(self, view, application_id):
        released = self.livelihoods.release_application(application_id, view.user.username)
        tranche = max(d["tranche"] for d in released["disbursements"])
        return view.then("/app/payments", view.gettext(
            N_("%(application)s: tranche %(tranche)s released; the rail's answer shows here when it arrives."),
            application=application_id, tranche=tranche))

    @page("GET", "/app/reconciliation", roles=FINANCE)
    def page_reconciliation(self, view):
        return view.show("reconciliation.html", statements=self.ledger.list_statements(),
                         fava_url=fava.reachable(self.config))

    @page("POST", "/app/reconciliation", roles=FINANCE, upload=True)
    def form_import_statement(self, view):
        upload = view.request.files.get("statement")
        if upload is None or not upload.filename:
            raise ValidationFailed(view.gettext(N_("choose the rail's statement file (CSV) to upload")))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(view.gettext(N_("the statement is not UTF-8 text"))) from None
        imported = self.ledger.import_statement(text, view.user.username)
        said = N_("Statement %(statement)s was imported before; nothing changed.") if imported["already_imported"] \
            else N_("Statement %(statement)s imported: %(matched)s matched, %(open)s exceptions to resolve.")
        return view.then(f"/app/reconciliation/{imported['id']}", view.gettext(
            said, statement=imported["id"], matched=imported["counts"]["MATCHED"], open=imported["open_exceptions"]))

    @page("GET", STATEMENT_PAGE, roles=FINANCE)
    def page_statement(self, view, statement_id):
        return view.show("statement.html", statement=self.ledger.statement(statement_id, None),
                         fava_url=fava.reachable(self.config))

    @page("GET", "/app/reconciliation/<statement_id>/lines.csv", roles=FINANCE)
    def page_statement_lines_csv(self, view, statement_id):
        """Every line of the statement with its outcome and resolution (never the rail's Details)."""
        return download(self.ledger.statement_lines_csv(statement_id), f"statement-{statement_id}")

    @page("POST", "/app/reconciliation/<statement_id>/items/<int:item_id>/resolve", roles=FINANCE,
          back=STATEMENT_PAGE)
    def form_resolve_item(self, view, statement_id, item_id):
        form = view.request.form
        data = command(ResolveItem, {"action": form.get("action", ""), "reason": form.get("reason", ""),
                                     "account": optional(form, "account")})
        resolved = self.ledger.resolve_item(statement_id, item_id, data, view.user.username)
        if resolved["resolution"] is None:  # an adjustment above the write-off limit, only proposed
            return view.then(f"/app/reconciliation/{statement_id}", view.gettext(
                N_("Line %(line)s: the adjustment is proposed; another finance user approves it."),
                line=resolved["receipt"] or item_id))
        return view.then(f"/app/reconciliation/{statement_id}", view.gettext(
            N_("Line %(line)s resolved: %(how)s."), line=resolved["receipt"] or item_id,
            how=view.label(resolved["resolution"])))

    @page("POST", "/app/reconciliation/<statement_id>/items/<int:item_id>/approve", roles=FINANCE,
          back=STATEMENT_PAGE)
    def form_approve_write_off(self, view, statement_id, item_id):
        """An adjustment above the write-off limit, approved by another finance user than its proposer."""
        approved = self.ledger.approve_write_off(statement_id, item_id, view.user.username)
        return view.then(f"/app/reconciliation/{statement_id}", view.gettext(
            N_("Line %(line)s: the adjustment is approved and posted."), line=approved["receipt"] or item_id))

    @page("POST", "/app/reconciliation/<statement_id>/sign-off", roles=FINANCE, back=STATEMENT_PAGE)
    def form_sign_off(self, view, statement_id):
        signed = self.ledger.sign_off(statement_id, view.user.username)
        return view.then(f"/app/reconciliation/{statement_id}", view.gettext(
            N_("Statement %(statement)s signed off; the ledger asserts the float's closing balance of %(balance)s."),
            statement=statement_id, balance=view.money(signed["closing_balance"], signed["currency"])))

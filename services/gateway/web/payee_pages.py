"""The payment-account part of an officer's participant page: set the account and have the
provider check it. The page shows it masked only, like the API."""
from services.enrollment.payment_schemas import SetPaymentAccount
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command
from shared.payees import BANK, MOBILE_MONEY

PARTICIPANT_PAGE = "/app/participants/<participant_id>"
FIELDS = {MOBILE_MONEY: ("msisdn", "provider"), BANK: ("bank_code", "account_number", "provider")}


class PayeePages:
    """Mixed into the gateway service; uses its `enrollment` RPC proxy."""

    @page("POST", PARTICIPANT_PAGE + "/payment-account", roles={"officer"}, scope=DISTRICT, back=PARTICIPANT_PAGE)
    def form_set_payment_account(self, view, participant_id):
        """Only the chosen kind's fields are sent; blank ones are left out."""
        self._participant(view.user, participant_id)
        form = view.request.form
        kind = form.get("kind", "")
        data = {"kind": kind, **{name: form.get(name, "").strip() for name in FIELDS.get(kind, ())
                                 if form.get(name, "").strip()}}
        account = self.enrollment.set_payment_account(participant_id, command(SetPaymentAccount, data),
                                                      view.user.username)["account"]
        return view.then(f"/app/participants/{participant_id}", view.gettext(
            N_("Payment account %(account)s saved: %(verification)s."), account=account["masked"],
            verification=view.label(account["verification"])))

    @page("POST", PARTICIPANT_PAGE + "/payment-account/verify", roles={"officer"}, scope=DISTRICT, back=PARTICIPANT_PAGE)
    def form_verify_payment_account(self, view, participant_id):
        self._participant(view.user, participant_id)
        account = self.enrollment.verify_payment_account(participant_id, view.user.username)["account"]
        verified = account["verification"] == "VERIFIED"
        return view.then(f"/app/participants/{participant_id}", view.gettext(
            N_("The provider answered %(answer)s: %(verification)s."), answer=account["provider_answer"],
            verification=view.label(account["verification"])), problem=not verified)

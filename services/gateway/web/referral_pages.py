"""A microfinance referral: where it stands with the partner, its delivery (retried when it
failed) and the printable letter for partners without an API (pseudonymous data only)."""
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_

REFERRAL = "/app/referrals/<referral_id>"


class ReferralPages:
    """Mixed into the gateway service; uses its livelihoods proxy."""

    @page("GET", REFERRAL, roles={"officer", "supervisor"}, scope=DISTRICT)
    def page_referral(self, view, referral_id):
        return view.show("referral.html", referral=self.livelihoods.get_referral(referral_id))

    @page("GET", REFERRAL + "/letter", roles={"officer"}, scope=DISTRICT)
    def page_referral_letter(self, view, referral_id):
        return view.show("referral_letter.html", letter=self.livelihoods.printable_referral(referral_id))

    @page("POST", REFERRAL + "/retry", roles={"officer"}, scope=DISTRICT, back=REFERRAL)
    def form_retry_referral(self, view, referral_id):
        referral = self.livelihoods.retry_referral_delivery(referral_id)
        return view.then(f"/app/referrals/{referral_id}", view.gettext(
            N_("Delivery tried again: %(status)s."), status=referral["delivery"]["status"]))

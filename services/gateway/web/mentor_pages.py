"""The mentor's page, made for a phone: offers to accept or decline, mentees, sessions to log."""
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command, today
from services.mentorship import schemas as mentorship_schemas

MENTOR = {"mentor"}


class MentorPages:
    """Mixed into the gateway service; uses its `mentorship` and `enrollment` RPC proxies."""

    @page("GET", "/app/offers", roles=MENTOR)
    def page_offers(self, view):
        mentor_id = view.user.mentor_id
        offers = self._offers_with_first_names(mentor_id)
        mentees = [{**offer, "sessions": self.mentorship.list_sessions(offer["offer_id"], mentor_id)}
                   for offer in offers if offer["status"] == "ACCEPTED"]
        return view.show("offers.html", open_offers=[o for o in offers if o["status"] == "PROPOSED"],
                         mentees=mentees, past=[o for o in offers if o["status"] not in ("PROPOSED", "ACCEPTED")],
                         today=today())

    @page("POST", "/app/offers/<offer_id>/accept", roles=MENTOR, back="/app/offers")
    def form_accept_offer(self, view, offer_id):
        self.mentorship.accept_offer(offer_id, view.user.mentor_id)
        return view.then("/app/offers", view.gettext(N_("Accepted. The officer will arrange your first meeting.")))

    @page("POST", "/app/offers/<offer_id>/decline", roles=MENTOR, back="/app/offers")
    def form_decline_offer(self, view, offer_id):
        data = command(mentorship_schemas.DeclineOffer, {"reason": view.request.form.get("reason", "")})
        self.mentorship.decline_offer(offer_id, view.user.mentor_id, data)
        return view.then("/app/offers", view.gettext(N_("Declined. Thank you for saying why.")))

    @page("POST", "/app/offers/<offer_id>/sessions", roles=MENTOR, back="/app/offers")
    def form_log_session(self, view, offer_id):
        form = view.request.form
        data = command(mentorship_schemas.LogSession, {"held_on": form.get("held_on", ""),
                                                       "topic": form.get("topic", ""), "note": form.get("note", "")})
        self.mentorship.log_session(offer_id, view.user.mentor_id, data)
        return view.then("/app/offers", view.gettext(N_("Session logged.")))

"""Mentorship for officers: the district's mentor registry, matching rounds run for the
district, and their review: send every draft, send one, or discard one with a reason."""
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command
from services.mentorship import schemas as mentorship_schemas

OFFICER = {"officer"}
ROUND = "/app/mentorship/rounds/<round_id>"


class MentorshipPages:
    """Mixed into the gateway service; uses its mentorship proxy."""

    @page("GET", "/app/mentorship", roles=OFFICER)
    def page_mentorship(self, view):
        return view.show("mentorship.html", mentors=self.mentorship.list_mentors(view.user.district))

    @page("POST", "/app/mentorship/rounds", roles=OFFICER, back="/app/mentorship")
    def form_run_round(self, view):
        """A round for the officer's district (the whole programme for an officer without one)."""
        data = command(mentorship_schemas.RunRound, {"district": view.user.district})
        matching_round = self.mentorship.run_round(data, view.user.username)
        return view.then(f"/app/mentorship/rounds/{matching_round['round_id']}",
                         view.gettext(N_("Round run: review the proposed matches, then send them.")))

    @page("GET", ROUND, roles=OFFICER, scope=DISTRICT)
    def page_round(self, view, round_id):
        return view.show("round.html", round=self.mentorship.get_round(round_id))

    @page("POST", ROUND + "/send", roles=OFFICER, scope=DISTRICT, back=ROUND)
    def form_send_round(self, view, round_id):
        self.mentorship.send_round(round_id, view.user.username)
        return view.then(f"/app/mentorship/rounds/{round_id}", view.gettext(N_("Every draft was sent to its mentor.")))

    @page("POST", "/app/mentorship/offers/<offer_id>/send", roles=OFFICER, scope=DISTRICT, back="/app/mentorship")
    def form_send_offer(self, view, offer_id):
        offer = self.mentorship.send_offer(offer_id, view.user.username)
        return view.then(f"/app/mentorship/rounds/{offer['round_id']}", view.gettext(N_("Offer sent.")))

    @page("POST", "/app/mentorship/offers/<offer_id>/discard", roles=OFFICER, scope=DISTRICT,
          back="/app/mentorship")
    def form_discard_offer(self, view, offer_id):
        data = command(mentorship_schemas.DiscardOffer, {"reason": view.request.form.get("reason", "")})
        offer = self.mentorship.discard_offer(offer_id, data)
        return view.then(f"/app/mentorship/rounds/{offer['round_id']}", view.gettext(N_("Draft discarded.")))

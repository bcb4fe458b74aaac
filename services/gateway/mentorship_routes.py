"""Mentors, matching rounds and their review (officers), and the mentor's own offers and
sessions, at the HTTP edge."""
from services.gateway.routes import DISTRICT, api, body
from services.gateway.schemas import Empty
from services.mentorship import schemas as mentorship_schemas

REGISTRARS = {"officer", "admin"}
READERS = {"officer", "supervisor"}


class MentorshipRoutes:
    """Mixed into the gateway service; uses its `mentorship` and `enrollment` RPC proxies."""

    def _offers_with_first_names(self, mentor_id) -> list[dict]:
        """The mentor's offers; an open one with the mentee's first name (and nothing more)."""
        listed = self.mentorship.list_offers(mentor_id)
        names = self.enrollment.first_names(sorted(set(listed["first_names"].values())))
        return [{**offer, "mentee": {**offer["mentee"],
                                     "first_name": names.get(listed["first_names"].get(offer["offer_id"]))}}
                for offer in listed["offers"]]

    @api("POST", "/mentors", roles=REGISTRARS, body=mentorship_schemas.RegisterMentor, status=201, scope=DISTRICT,
         creates="mentor_id")
    def register_mentor(self, user, data):
        """Register a mentor: a participant who completed the programme, or a community member."""
        return self.mentorship.register_mentor(body(data), user.username)

    @api("GET", "/mentors/<mentor_id>", roles=READERS | {"admin"}, scope=DISTRICT)
    def get_mentor(self, user, mentor_id):
        """A mentor with vetting status and whether they can take a mentee today."""
        return self.mentorship.get_mentor(mentor_id)

    @api("PATCH", "/mentors/<mentor_id>", roles=REGISTRARS, body=mentorship_schemas.UpdateMentor, scope=DISTRICT)
    def update_mentor(self, user, data, mentor_id):
        """Change vetting, availability, capacity, languages or trade (only the fields sent)."""
        return self.mentorship.update_mentor(mentor_id, data.model_dump(mode="json", exclude_unset=True))

    @api("POST", "/mentors/<mentor_id>/deactivate", roles=REGISTRARS, body=mentorship_schemas.DeactivateMentor,
         scope=DISTRICT)
    def deactivate_mentor(self, user, data, mentor_id):
        """Stop a mentor: open offers are withdrawn, mentorships end, mentees wait for the next round."""
        return self.mentorship.deactivate_mentor(mentor_id, body(data))

    @api("POST", "/mentorship/do-not-match", roles={"officer"}, body=mentorship_schemas.DoNotMatchPair, status=201,
         scope=DISTRICT)
    def do_not_match(self, user, data):
        """Record a known conflict: the participant and the mentor are never matched."""
        return self.mentorship.do_not_match(body(data), user.username)

    @api("POST", "/mentorship/rounds", roles={"officer"}, body=mentorship_schemas.RunRound, status=201, scope=DISTRICT,
         creates="round_id")
    def run_round(self, user, data):
        """Match every waiting mentee of a district (default: yours) at once; drafts to review."""
        if data.district is None and user.district:
            data = data.model_copy(update={"district": user.district})
        return self.mentorship.run_round(body(data), user.username)

    @api("GET", "/mentorship/rounds/<round_id>", roles=READERS, scope=DISTRICT)
    def get_round(self, user, round_id):
        """A round's matches with why each scored, their status, and who could not be matched and why."""
        return self.mentorship.get_round(round_id)

    @api("POST", "/mentorship/rounds/<round_id>/send", roles={"officer"}, body=Empty, scope=DISTRICT)
    def send_round(self, user, data, round_id):
        """Send every draft of the round still under review to its mentor (all or none)."""
        return self.mentorship.send_round(round_id, user.username)

    @api("POST", "/mentorship/offers/<offer_id>/send", roles={"officer"}, body=Empty, scope=DISTRICT)
    def send_offer(self, user, data, offer_id):
        """Approve one draft: the mentor sees it from now until it expires."""
        return self.mentorship.send_offer(offer_id, user.username)

    @api("POST", "/mentorship/offers/<offer_id>/discard", roles={"officer"}, body=mentorship_schemas.DiscardOffer,
         scope=DISTRICT)
    def discard_offer(self, user, data, offer_id):
        """Discard a draft before it is sent, with a reason; the mentee waits for the next round."""
        return self.mentorship.discard_offer(offer_id, body(data))

    @api("GET", "/mentorship/offers", roles={"mentor"})
    def my_offers(self, user):
        """The offers sent to me; an open offer shows the mentee's first name."""
        return self._offers_with_first_names(user.mentor_id)

    @api("POST", "/mentorship/offers/<offer_id>/accept", roles={"mentor"}, body=Empty)
    def accept_offer(self, user, data, offer_id):
        """Accept an offer made to me."""
        return self.mentorship.accept_offer(offer_id, user.mentor_id)

    @api("POST", "/mentorship/offers/<offer_id>/decline", roles={"mentor"}, body=mentorship_schemas.DeclineOffer)
    def decline_offer(self, user, data, offer_id):
        """Decline an offer made to me, with a reason."""
        return self.mentorship.decline_offer(offer_id, user.mentor_id, body(data))

    @api("POST", "/mentorship/offers/<offer_id>/sessions", roles={"mentor"}, body=mentorship_schemas.LogSession,
         status=201)
    def log_session(self, user, data, offer_id):
        """Log a session with my mentee: date, topic, a short note."""
        return self.mentorship.log_session(offer_id, user.mentor_id, body(data))

    @api("GET", "/mentorship/offers/<offer_id>/sessions", roles=READERS | {"mentor"}, scope=DISTRICT)
    def list_sessions(self, user, offer_id):
        """The sessions of a mentorship (a mentor: their own mentorships only)."""
        return self.mentorship.list_sessions(offer_id, user.mentor_id if user.role == "mentor" else None)

"""Mentorship service: nameko entrypoints only; the rules live in the plain modules.

It emits `mentorship.match_accepted` and `mentorship.match_ended` through the outbox. The
relay publishes with `mandatory`, so until a consumer's queue is bound they wait in the
outbox (retried with backoff), never lost.
"""
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from shared.rpc import rpc
from nameko.timer import timer

from services.mentorship import conflicts, endings, mentees, mentors, offers, rounds, sessions, stats
from services.mentorship.models import Base
from services.mentorship.schemas import (DeactivateMentor, DeclineOffer, DiscardOffer, DoNotMatchPair, LogSession,
                                         RegisterMentor, RunRound, UpdateMentor)
from shared.figures import FigureFilters
from shared.handlers import on_event
from shared.request_context import RequestContext
from shared.store import Store
from shared.validation import parse

EXPIRY_CHECK_SECONDS = 3600
RACES = {  # what the loser of a race is told, per table whose unique key it hit
    "mentors": "this participant was registered as a mentor by someone else at the same moment",
    "do_not_match": "someone else put this pair on the do-not-match list at the same moment",
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


class MentorshipService:
    name = "mentorship"
    db = Store(Base.metadata, races=RACES)
    config = Config()
    request_context = RequestContext()

    def _settings(self) -> dict:
        return self.config["MENTORSHIP"]

    @on_event("enrollment", "participant.enrolled")
    def on_participant_enrolled(self, body):
        return self.db.apply_once(body, "mentorship.on_participant_enrolled", mentees.on_enrolled)

    @on_event("enrollment", "case.phase_changed")
    def on_phase_changed(self, body):
        return self.db.apply_once(body, "mentorship.on_phase_changed",
                                  lambda session, event: endings.phase_changed(session, event, self.db.emit))

    @on_event("enrollment", "consent.withdrawn")
    def on_consent_withdrawn(self, body):
        return self.db.apply_once(body, "mentorship.consent_withdrawn",
                                  lambda session, event: endings.withdrawn(session, event, self.db.emit))

    @on_event("enrollment", "consent.renewed")
    def on_consent_renewed(self, body):
        return self.db.apply_once(body, "mentorship.consent_renewed", mentees.on_consent_renewed)

    @timer(interval=EXPIRY_CHECK_SECONDS)
    def expire_offers(self):
        with self.db.transaction():
            return offers.expire_due(self.db.session, _now())

    # --- mentors -----------------------------------------------------------------------

    @rpc
    def register_mentor(self, data, actor):
        command = parse(RegisterMentor, data)
        with self.db.transaction():
            mentor = mentors.register(self.db.session, command, actor)
            return mentors.describe(mentor, _now().date())

    @rpc
    def get_mentor(self, mentor_id):
        with self.db.transaction():
            return mentors.describe(mentors.load(self.db.session, mentor_id), _now().date())

    @rpc
    def list_mentors(self, district=None):
        """The mentor registry of a district (every mentor without one)."""
        with self.db.transaction():
            return [mentors.describe(m, _now().date()) for m in mentors.in_district(self.db.session, district)]

    @rpc
    def mentee_offers(self, participant_id):
        """A participant's offers and mentorships, for their case file."""
        with self.db.transaction():
            return [offers.describe(o) for o in offers.for_mentee(self.db.session, participant_id)]

    @rpc
    def update_mentor(self, mentor_id, data):
        command = parse(UpdateMentor, data)
        with self.db.transaction():
            return mentors.describe(mentors.update(self.db.session, mentor_id, command), _now().date())

    @rpc
    def deactivate_mentor(self, mentor_id, data):
        command = parse(DeactivateMentor, data)
        with self.db.transaction():
            mentor = endings.stop_mentoring(self.db.session, mentor_id, command.reason, self.db.emit)
            return mentors.describe(mentor, _now().date())

    @rpc
    def do_not_match(self, data, actor):
        command = parse(DoNotMatchPair, data)
        with self.db.transaction():
            return conflicts.describe(conflicts.record(self.db.session, command, actor, _now(), self.db.emit))

    # --- rounds and review (officers) ----------------------------------------------------

    @rpc
    def run_round(self, data, actor):
        command = parse(RunRound, data)
        with self.db.transaction():
            matching_round = rounds.run(self.db.session, command.district, actor, _now(),
                                        self._settings()["women_with_women"])
            return rounds.describe(self.db.session, matching_round)

    @rpc
    def get_round(self, round_id):
        with self.db.transaction():
            return rounds.describe(self.db.session, rounds.load(self.db.session, round_id))

    @rpc
    def get_offer(self, offer_id):
        with self.db.transaction():
            offer = offers.load(self.db.session, offer_id)
            return offers.describe(offer, mentees.load(self.db.session, offer.participant_id).district)

    @rpc
    def send_offer(self, offer_id, actor):
        with self.db.transaction():
            offer = offers.send(self.db.session, offer_id, actor, _now(), self._settings()["offer_expiry_days"])
            return offers.describe(offer)

    @rpc
    def send_round(self, round_id, actor):
        """Send every draft of the round still waiting for review: all of them, or none."""
        with self.db.transaction():
            rounds.load(self.db.session, round_id)
            for offer_id in rounds.drafts(self.db.session, round_id):
                offers.send(self.db.session, offer_id, actor, _now(), self._settings()["offer_expiry_days"])
            return rounds.describe(self.db.session, rounds.load(self.db.session, round_id))

    @rpc
    def discard_offer(self, offer_id, data):
        command = parse(DiscardOffer, data)
        with self.db.transaction():
            return offers.describe(offers.discard(self.db.session, offer_id, command.reason, _now()))

    # --- the mentor's side ----------------------------------------------------------------

    @rpc
    def list_offers(self, mentor_id):
        """The mentor's offers, and which of them may show the mentee's first name
        (offer id -> participant id, for the gateway to look up in enrollment)."""
        with self.db.transaction():
            listed = offers.for_mentor(self.db.session, mentor_id)
            return {"offers": [offers.describe_for_mentor(offer, mentee) for offer, mentee in listed],
                    "first_names": {offer.id: offer.participant_id for offer, _ in listed
                                    if offers.first_name_due(offer)}}

    @rpc
    def accept_offer(self, offer_id, mentor_id):
        with self.db.transaction():
            offer = offers.accept(self.db.session, offer_id, mentor_id, _now(), self.db.emit)
            return offers.describe_for_mentor(offer, mentees.load(self.db.session, offer.participant_id))

    @rpc
    def decline_offer(self, offer_id, mentor_id, data):
        command = parse(DeclineOffer, data)
        with self.db.transaction():
            offer = offers.decline(self.db.session, offer_id, mentor_id, command.reason, _now())
            return offers.describe_for_mentor(offer, mentees.load(self.db.session, offer.participant_id))

    @rpc
    def log_session(self, offer_id, mentor_id, data):
        command = parse(LogSession, data)
        with self.db.transaction():
            return sessions.describe(sessions.log(self.db.session, offer_id, mentor_id, command, _now()))

    @rpc
    def list_sessions(self, offer_id, mentor_id=None):
        """Sessions of a mentorship: its mentor's own, or any for staff (`mentor_id` None)."""
        with self.db.transaction():
            if mentor_id is None:
                offers.load(self.db.session, offer_id)
            else:
                offers.own_sent(self.db.session, offer_id, mentor_id)
            return [sessions.describe(s) for s in sessions.for_offer(self.db.session, offer_id)]

    @rpc
    def programme_figures(self, filters=None):
        """Offers and sessions counted per district for monitoring and evaluation (for a
        period and district)."""
        chosen = parse(FigureFilters, filters or {})
        with self.db.transaction():
            return {"matches": stats.matches(self.db.session, chosen)}

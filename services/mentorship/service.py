"""Mentorship service: nameko entrypoints only; the rules live in the plain modules.

It emits no events yet: nothing subscribes, and the outbox publishes with `mandatory`.
"""
from nameko.rpc import rpc

from services.mentorship import endings, mentees, mentors, offers
from services.mentorship.models import Base
from services.mentorship.schemas import DeclineOffer, RegisterMentor
from shared.handlers import on_event
from shared.store import Store
from shared.validation import parse


class MentorshipService:
    name = "mentorship"
    db = Store(Base.metadata)

    @on_event("enrollment", "participant.enrolled")
    def on_participant_enrolled(self, body):
        return self.db.apply_once(body, "mentorship.on_participant_enrolled", mentees.on_enrolled)

    @on_event("enrollment", "case.phase_changed")
    def on_phase_changed(self, body):
        return self.db.apply_once(body, "mentorship.on_phase_changed", endings.phase_changed)

    @on_event("enrollment", "consent.withdrawn")
    def on_consent_withdrawn(self, body):
        return self.db.apply_once(body, "mentorship.consent_withdrawn", endings.withdrawn)

    @rpc
    def register_mentor(self, data, actor):
        command = parse(RegisterMentor, data)
        with self.db.session.begin():
            mentor = mentors.register(self.db.session, command, actor)
        return mentors.describe(mentor)

    @rpc
    def get_mentor(self, mentor_id):
        with self.db.session.begin():
            return mentors.describe(mentors.load(self.db.session, mentor_id))

    @rpc
    def propose_match(self, participant_id, actor):
        with self.db.session.begin():
            offer = offers.propose(self.db.session, participant_id, actor)
        return offers.describe(offer)

    @rpc
    def list_offers(self, mentor_id):
        with self.db.session.begin():
            return [offers.describe_for_mentor(offer, mentee)
                    for offer, mentee in offers.for_mentor(self.db.session, mentor_id)]

    @rpc
    def accept_offer(self, offer_id, mentor_id):
        with self.db.session.begin():
            offer = offers.accept(self.db.session, offer_id, mentor_id)
        return offers.describe(offer)

    @rpc
    def decline_offer(self, offer_id, mentor_id, data):
        command = parse(DeclineOffer, data)
        with self.db.session.begin():
            offer = offers.decline(self.db.session, offer_id, mentor_id, command)
        return offers.describe(offer)

"""Offers: `PROPOSED -> ACCEPTED | DECLINED (reason) | WITHDRAWN`, `ACCEPTED -> ENDED`; a
declined pair is never proposed again. WITHDRAWN and ENDED follow the mentee's consent
withdrawal (see `consent`).

Rows are locked where two workers could race: the mentee while proposing (one open
offer each), the district's mentors while counting their load, the offer and then its
mentor while accepting (never over capacity).
"""
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship import matching, mentees, mentors
from shared.ids import unused_id
from services.mentorship.models import Mentee, Mentor, Offer
from services.mentorship.schemas import DeclineOffer
from services.mentorship.timestamps import iso, now
from shared.errors import Conflict, Forbidden, IllegalTransition, NoMentorAvailable, NotFound

PROPOSED, ACCEPTED, DECLINED = "PROPOSED", "ACCEPTED", "DECLINED"
WITHDRAWN, ENDED = "WITHDRAWN", "ENDED"


def _candidates(session: Session, mentee: Mentee) -> list[matching.MentorFacts]:
    district = mentee.district.strip().lower()
    rows = session.scalars(select(Mentor).where(func.lower(Mentor.district) == district)
                           .order_by(Mentor.id).with_for_update()).all()
    load = mentors.count_offers(session, [m.id for m in rows], matching.OPEN_STATUSES)
    history = defaultdict(set)
    for mentor_id, status in session.execute(
            select(Offer.mentor_id, Offer.status).where(Offer.participant_id == mentee.participant_id)):
        history[mentor_id].add(status)
    return [matching.MentorFacts(
        mentor_id=m.id, district=m.district, gender=m.gender, languages=tuple(m.languages),
        trade=m.trade, capacity=m.capacity, vetted=m.vetted, active=m.active,
        load=load.get(m.id, 0), participant_id=m.participant_id,
        history=frozenset(history[m.id])) for m in rows]


def propose(session: Session, participant_id: str, actor: str,
            women_with_women: bool = matching.WOMEN_WITH_WOMEN) -> Offer:
    mentee = mentees.load(session, participant_id, lock=True)
    mentees.require_matchable(mentee)
    current = session.scalar(select(Offer).where(
        Offer.participant_id == participant_id, Offer.status.in_(matching.OPEN_STATUSES)))
    if current is not None:
        raise Conflict(f"{participant_id} already has offer {current.id} ({current.status})")
    facts = mentees.facts(mentee)
    outcome = matching.choose(facts, _candidates(session, mentee), women_with_women)
    if outcome.best is None:
        raise NoMentorAvailable(matching.explain(facts, outcome))
    offer = Offer(id=unused_id(session, Offer, "O-"), mentor_id=outcome.best.mentor_id,
                  participant_id=participant_id, status=PROPOSED, score=outcome.best.score,
                  factors=outcome.best.factors, proposed_by=actor, proposed_at=now())
    session.add(offer)
    return offer


def _own_proposed(session: Session, offer_id: str, mentor_id: str) -> Offer:
    offer = session.get(Offer, offer_id, with_for_update=True)
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    if offer.mentor_id != mentor_id:
        raise Forbidden(f"offer {offer_id} was made to another mentor")
    if offer.status != PROPOSED:
        raise IllegalTransition(f"offer {offer_id} is {offer.status}; only a PROPOSED offer can be decided")
    return offer


def accept(session: Session, offer_id: str, mentor_id: str) -> Offer:
    offer = _own_proposed(session, offer_id, mentor_id)
    mentees.require_matchable(mentees.load(session, offer.participant_id))
    mentor = mentors.load(session, mentor_id, lock=True)
    accepted = mentors.count_offers(session, [mentor_id], [ACCEPTED]).get(mentor_id, 0)
    if accepted >= mentor.capacity:
        raise Conflict(f"{mentor_id} already mentors {accepted} of {mentor.capacity} participants")
    offer.status, offer.decided_at = ACCEPTED, now()
    return offer


def decline(session: Session, offer_id: str, mentor_id: str, command: DeclineOffer) -> Offer:
    offer = _own_proposed(session, offer_id, mentor_id)
    offer.status, offer.decided_at, offer.decline_reason = DECLINED, now(), command.reason
    return offer


def close_all(session: Session, participant_id: str, reason: str) -> None:
    """Withdraw the mentee's PROPOSED offers and end the ACCEPTED ones; neither counts
    toward a mentor's load any more."""
    moment = now()
    for offer in session.scalars(select(Offer).where(
            Offer.participant_id == participant_id, Offer.status.in_(matching.OPEN_STATUSES))
            .order_by(Offer.id).with_for_update()):
        if offer.status == PROPOSED:
            offer.status, offer.decided_at, offer.decline_reason = WITHDRAWN, moment, reason
        else:
            offer.status, offer.ended_at, offer.end_reason = ENDED, moment, reason


def for_mentor(session: Session, mentor_id: str) -> list[tuple[Offer, Mentee]]:
    mentors.load(session, mentor_id)
    return session.execute(
        select(Offer, Mentee).join(Mentee, Mentee.participant_id == Offer.participant_id)
        .where(Offer.mentor_id == mentor_id).order_by(Offer.proposed_at.desc(), Offer.id)).tuples().all()


def describe(offer: Offer) -> dict:
    return {
        "offer_id": offer.id, "mentor_id": offer.mentor_id, "participant_id": offer.participant_id,
        "status": offer.status, "score": offer.score, "factors": offer.factors,
        "proposed_at": iso(offer.proposed_at), "decided_at": iso(offer.decided_at),
        "decline_reason": offer.decline_reason, "ended_at": iso(offer.ended_at),
        "end_reason": offer.end_reason,
    }


def describe_for_mentor(offer: Offer, mentee: Mentee) -> dict:
    """What a mentor may see of a mentee: the pseudonymous id, district and interest only."""
    return {**describe(offer), "mentee": {
        "participant_id": mentee.participant_id, "district": mentee.district,
        "livelihood_interest": mentee.livelihood_interest}}

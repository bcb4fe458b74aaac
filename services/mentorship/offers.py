"""Offers, from a round's draft to the end of a mentorship:

    DRAFT -> PROPOSED (an officer sends it) | DISCARDED (an officer, or a later round)
    PROPOSED -> ACCEPTED | DECLINED (reason) | EXPIRED (no answer in time)
    DRAFT, PROPOSED -> WITHDRAWN (consent or case withdrawn, mentor deactivated, do-not-match)
    ACCEPTED -> ENDED (case closed after aftercare, withdrawals as above)

A mentor sees an offer from PROPOSED on, never a draft. A declined pair is never drafted
again; a decline or expiry leaves the mentee waiting for the next round.

Rows are locked where two workers could race: the offer, then its mentor, when sending or
accepting (never over capacity).
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship import mentees, mentors
from services.mentorship.models import Mentee, MentoringSession, Offer
from services.mentorship.timestamps import as_utc, iso
from shared.contracts import MatchAccepted, MatchEnded
from shared.errors import (Forbidden, IllegalTransition, MentorAtCapacity, NotEligible, NotFound,
                           OfferExpired)

DRAFT, DISCARDED, PROPOSED, ACCEPTED = "DRAFT", "DISCARDED", "PROPOSED", "ACCEPTED"
DECLINED, EXPIRED, WITHDRAWN, ENDED = "DECLINED", "EXPIRED", "WITHDRAWN", "ENDED"
OPEN = (PROPOSED, ACCEPTED)  # count toward a mentor's load; the mentee is not waiting
CLOSABLE = (DRAFT, PROPOSED, ACCEPTED)


def load(session: Session, offer_id: str, lock: bool = False) -> Offer:
    offer = session.get(Offer, offer_id, with_for_update=lock)
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    return offer


def _require(offer: Offer, status: str, action: str) -> None:
    if offer.status != status:
        raise IllegalTransition(f"offer {offer.id} is {offer.status}; only a {status} offer can be {action}")


def send(session: Session, offer_id: str, actor: str, moment: datetime, expiry_days: int) -> Offer:
    """An officer approves a draft: the mentor sees it from now and has `expiry_days` to answer."""
    offer = load(session, offer_id, lock=True)
    _require(offer, DRAFT, "sent")
    mentees.require_matchable(mentees.load(session, offer.participant_id))
    mentor = mentors.load(session, offer.mentor_id, lock=True)
    reason = mentors.unavailable(mentor, moment.date())
    if reason is not None:
        raise NotEligible(f"mentor {mentor.id} cannot take a mentee: {reason}")
    carried = mentors.count_offers(session, [mentor.id], OPEN).get(mentor.id, 0)
    if carried >= mentor.capacity:
        raise MentorAtCapacity(f"{mentor.id} already has {carried} of {mentor.capacity} mentees")
    offer.status, offer.sent_by, offer.sent_at = PROPOSED, actor, moment
    offer.expires_at = moment + timedelta(days=expiry_days)
    return offer


def discard(session: Session, offer_id: str, reason: str, moment: datetime) -> Offer:
    offer = load(session, offer_id, lock=True)
    _require(offer, DRAFT, "discarded")
    offer.status, offer.decided_at, offer.reason = DISCARDED, moment, reason
    return offer


def _own_proposed(session: Session, offer_id: str, mentor_id: str, moment: datetime) -> Offer:
    offer = session.get(Offer, offer_id, with_for_update=True)
    if offer is None or offer.sent_at is None:
        raise NotFound(f"no offer {offer_id}")
    if offer.mentor_id != mentor_id:
        raise Forbidden(f"offer {offer_id} was made to another mentor")
    _require(offer, PROPOSED, "accepted or declined")
    if as_utc(offer.expires_at) <= moment:
        raise OfferExpired(f"offer {offer_id} expired on {iso(offer.expires_at)}")
    return offer


def accept(session: Session, offer_id: str, mentor_id: str, moment: datetime, emit) -> Offer:
    offer = _own_proposed(session, offer_id, mentor_id, moment)
    mentee = mentees.load(session, offer.participant_id)
    mentees.require_matchable(mentee)
    mentor = mentors.load(session, mentor_id, lock=True)
    accepted = mentors.count_offers(session, [mentor_id], [ACCEPTED]).get(mentor_id, 0)
    if accepted >= mentor.capacity:
        raise MentorAtCapacity(f"{mentor_id} already mentors {accepted} of {mentor.capacity} participants")
    offer.status, offer.decided_at = ACCEPTED, moment
    emit(MatchAccepted(offer_id=offer.id, participant_id=offer.participant_id, mentor_id=mentor_id,
                       district=mentee.district, accepted_at=moment,
                       shared_trade=any(f["factor"] == "shared_trade" for f in offer.factors)))
    return offer


def decline(session: Session, offer_id: str, mentor_id: str, reason: str, moment: datetime) -> Offer:
    offer = _own_proposed(session, offer_id, mentor_id, moment)
    offer.status, offer.decided_at, offer.reason = DECLINED, moment, reason
    return offer


def expire_due(session: Session, moment: datetime) -> int:
    """Expire every sent offer whose time ran out; the mentees wait for the next round."""
    due = session.scalars(select(Offer).where(Offer.status == PROPOSED, Offer.expires_at <= moment)
                          .order_by(Offer.id).with_for_update()).all()
    for offer in due:
        offer.status, offer.decided_at, offer.reason = EXPIRED, moment, "no answer before the offer expired"
    return len(due)


def close(session: Session, where, reason: str, end_code: str, moment: datetime, emit) -> None:
    """Withdraw the drafts and sent offers matching `where` and end the accepted ones (with
    `mentorship.match_ended`); none of them counts toward a mentor's load any more."""
    for offer in session.scalars(select(Offer).where(where, Offer.status.in_(CLOSABLE))
                                 .order_by(Offer.id).with_for_update()):
        if offer.status == ACCEPTED:
            offer.status, offer.ended_at, offer.end_reason = ENDED, moment, end_code
            emit(MatchEnded(offer_id=offer.id, participant_id=offer.participant_id, mentor_id=offer.mentor_id,
                            reason=end_code, sessions=sessions_logged(session, offer.id), ended_at=moment))
        else:
            offer.status, offer.decided_at, offer.reason = WITHDRAWN, moment, reason


def sessions_logged(session: Session, offer_id: str) -> int:
    return session.scalar(select(func.count()).select_from(MentoringSession)
                          .where(MentoringSession.offer_id == offer_id))


def own_sent(session: Session, offer_id: str, mentor_id: str) -> Offer:
    """An offer sent to this mentor; anyone else's, or a draft, is not theirs to see."""
    offer = session.get(Offer, offer_id)
    if offer is None or offer.sent_at is None:
        raise NotFound(f"no offer {offer_id}")
    if offer.mentor_id != mentor_id:
        raise Forbidden(f"offer {offer_id} was made to another mentor")
    return offer


def for_mentor(session: Session, mentor_id: str) -> list[tuple[Offer, Mentee]]:
    """The offers sent to a mentor, newest first; drafts stay with the officers."""
    mentors.load(session, mentor_id)
    return session.execute(
        select(Offer, Mentee).join(Mentee, Mentee.participant_id == Offer.participant_id)
        .where(Offer.mentor_id == mentor_id, Offer.sent_at.is_not(None))
        .order_by(Offer.sent_at.desc(), Offer.id)).tuples().all()


def for_mentee(session: Session, participant_id: str) -> list[Offer]:
    """A participant's offers, drafts included, oldest first (for their case file)."""
    return list(session.scalars(select(Offer).where(Offer.participant_id == participant_id)
                                .order_by(Offer.proposed_at)))


def describe(offer: Offer, district: str | None = None) -> dict:
    view = {
        "offer_id": offer.id, "round_id": offer.round_id, "mentor_id": offer.mentor_id,
        "participant_id": offer.participant_id, "status": offer.status, "score": offer.score,
        "factors": offer.factors, "proposed_by": offer.proposed_by, "proposed_at": iso(offer.proposed_at),
        "sent_by": offer.sent_by, "sent_at": iso(offer.sent_at), "expires_at": iso(offer.expires_at),
        "decided_at": iso(offer.decided_at), "reason": offer.reason, "ended_at": iso(offer.ended_at),
        "end_reason": offer.end_reason,
    }
    if district is not None:
        view["district"] = district
    return view


def describe_for_mentor(offer: Offer, mentee: Mentee) -> dict:
    """What a mentor needs: district and trade; the pseudonymous id only once accepted. The
    gateway adds the first name of an open offer's mentee (see `first_name_due`)."""
    about = {"district": mentee.district, "trade": mentee.livelihood_interest}
    if offer.status in (ACCEPTED, ENDED):
        about["participant_id"] = mentee.participant_id
    return {"offer_id": offer.id, "status": offer.status, "score": offer.score, "factors": offer.factors,
            "sent_at": iso(offer.sent_at), "expires_at": iso(offer.expires_at),
            "decided_at": iso(offer.decided_at), "reason": offer.reason, "ended_at": iso(offer.ended_at),
            "end_reason": offer.end_reason, "mentee": about}


def first_name_due(offer: Offer) -> bool:
    """The mentor may see the mentee's first name while the offer is open, not after."""
    return offer.status in OPEN


"""Matching rounds: every waiting mentee of a district (or of the whole programme) matched at
once by the optimiser, as drafts an officer reviews before any mentor sees them.

Waiting means: consent active, case open, and no offer sent or accepted. A round discards
the drafts an earlier round left unreviewed in its scope (they were never sent), so the
newest round is the one to review. Rounds in one district run one at a time: each locks
the district's mentors.
"""
from datetime import datetime

from sqlalchemy import func, insert, select, true, update
from sqlalchemy.orm import Session

from services.mentorship import matching, mentees, mentors, offers
from services.mentorship.models import DoNotMatch, Mentee, Mentor, Offer, Round
from services.mentorship.timestamps import iso
from shared.errors import Conflict, NoMentorAvailable, NotFound
from shared.ids import new_id, unused_id

EXPLAINED = 10  # unmatched mentees named in the error of a round that matched nobody


def _in_scope(column, district: str | None):
    return true() if district is None else func.lower(column) == district.strip().lower()


def _waiting(session: Session, district: str | None) -> list[Mentee]:
    busy = select(Offer.participant_id).where(Offer.status.in_(offers.OPEN))
    return list(session.scalars(select(Mentee).where(
        _in_scope(Mentee.district, district), Mentee.consent_active,
        Mentee.phase.in_(mentees.MATCHABLE_PHASES), Mentee.participant_id.not_in(busy))
        .order_by(Mentee.participant_id)))


def _barred(session: Session, waiting: set[str]) -> dict[tuple[str, str], str]:
    barred = {}
    for participant_id, mentor_id in session.execute(
            select(Offer.participant_id, Offer.mentor_id).where(Offer.status == offers.DECLINED)):
        if participant_id in waiting:
            barred[participant_id, mentor_id] = "declined before"
    for participant_id, mentor_id in session.execute(select(DoNotMatch.participant_id, DoNotMatch.mentor_id)):
        if participant_id in waiting:
            barred[participant_id, mentor_id] = "on the do-not-match list"
    return barred


def _mentor_facts(session: Session, rows: list[Mentor], today) -> list[matching.Mentor]:
    load = mentors.count_offers(session, [m.id for m in rows], offers.OPEN)
    return [matching.Mentor(mentor_id=m.id, district=m.district, gender=m.gender, languages=tuple(m.languages),
                            trade=m.trade, capacity=m.capacity, load=load.get(m.id, 0),
                            participant_id=m.participant_id, unavailable=mentors.unavailable(m, today),
                            birth_cohort=m.birth_cohort)
            for m in rows]


def _fresh_offer_ids(session: Session, count: int) -> list[str]:
    ids = {new_id("O-") for _ in range(count)}
    taken = set(session.scalars(select(Offer.id).where(Offer.id.in_(ids))))
    ids -= taken
    while len(ids) < count:
        ids.add(unused_id(session, Offer, "O-"))
    return sorted(ids)


def run(session: Session, district: str | None, actor: str, moment: datetime, women_with_women: bool) -> Round:
    scope_mentors = mentors.in_district(session, district)
    round_id = unused_id(session, Round, "R-")
    session.execute(update(Offer).where(
        Offer.status == offers.DRAFT,
        Offer.participant_id.in_(select(Mentee.participant_id).where(_in_scope(Mentee.district, district))))
        .values(status=offers.DISCARDED, decided_at=moment, reason=f"superseded by round {round_id}"))
    waiting = _waiting(session, district)
    where = f"in {district}" if district else "in the programme"
    if not waiting:
        raise Conflict(f"nobody {where} is waiting for a mentor")
    rules = matching.Rules(women_with_women, _barred(session, {m.participant_id for m in waiting}))
    result = matching.solve([mentees.facts(m) for m in waiting],
                            _mentor_facts(session, scope_mentors, moment.date()), rules)
    if not result.proposals:
        lines = [f"{u.participant_id}: {u.detail}" for u in result.unmatched[:EXPLAINED]]
        more = len(result.unmatched) - EXPLAINED
        raise NoMentorAvailable(f"no mentor could be proposed to anyone waiting {where}: " + "; ".join(lines)
                                + (f"; and {more} more" if more > 0 else ""))
    matching_round = Round(id=round_id, district=district, run_by=actor, run_at=moment, waiting=len(waiting),
                           matched=len(result.proposals), total_score=result.total,
                           unmatched=[{"participant_id": u.participant_id, "reason": u.reason, "detail": u.detail}
                                      for u in result.unmatched])
    session.add(matching_round)
    session.flush()
    ids = _fresh_offer_ids(session, len(result.proposals))
    session.execute(insert(Offer), [
        {"id": offer_id, "round_id": round_id, "mentor_id": p.mentor_id, "participant_id": p.participant_id,
         "status": offers.DRAFT, "score": p.score, "factors": p.factors, "proposed_by": actor,
         "proposed_at": moment} for offer_id, p in zip(ids, result.proposals)])
    return matching_round


def load(session: Session, round_id: str) -> Round:
    matching_round = session.get(Round, round_id)
    if matching_round is None:
        raise NotFound(f"no matching round {round_id}")
    return matching_round


def drafts(session: Session, round_id: str) -> list[str]:
    return list(session.scalars(select(Offer.id).where(Offer.round_id == round_id, Offer.status == offers.DRAFT)
                                .order_by(Offer.id)))


def describe(session: Session, matching_round: Round) -> dict:
    """The round for review: each match with its explanation and current status, and the unmatched."""
    rows = session.execute(select(Offer, Mentee.district).join(Mentee, Mentee.participant_id == Offer.participant_id)
                           .where(Offer.round_id == matching_round.id).order_by(Offer.participant_id)).all()
    return {"round_id": matching_round.id, "district": matching_round.district, "run_by": matching_round.run_by,
            "run_at": iso(matching_round.run_at), "waiting": matching_round.waiting,
            "matched": matching_round.matched, "total_score": matching_round.total_score,
            "matches": [offers.describe(offer, district) for offer, district in rows],
            "unmatched": matching_round.unmatched}

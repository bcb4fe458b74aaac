"""De-identified mentorship figures for monitoring and evaluation: counts per district."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship.models import Mentee, MentoringSession, Offer
from services.mentorship.offers import ACCEPTED, DECLINED, ENDED, EXPIRED
from shared.figures import FigureFilters


def _sent_in(statement, filters: FigureFilters):
    """Offers sent during the period, to mentees of the district."""
    starts, ends = filters.moments()
    statement = statement.where(Offer.sent_at.is_not(None))
    if starts:
        statement = statement.where(Offer.sent_at >= starts)
    if ends:
        statement = statement.where(Offer.sent_at < ends)
    return statement.where(Mentee.district == filters.district) if filters.district else statement


def matches(session: Session, filters: FigureFilters) -> list[dict]:
    """Per district: offers sent to mentors in the period, accepted (ended ones included),
    declined, expired, and the sessions logged under them."""
    status = Offer.status
    rows = session.execute(_sent_in(
        select(Mentee.district, func.count(),
               func.count().filter(status.in_((ACCEPTED, ENDED))),
               func.count().filter(status == DECLINED), func.count().filter(status == EXPIRED))
        .select_from(Offer).join(Mentee, Mentee.participant_id == Offer.participant_id), filters)
        .group_by(Mentee.district).order_by(Mentee.district))
    logged = dict(session.execute(_sent_in(
        select(Mentee.district, func.count()).select_from(MentoringSession)
        .join(Offer, Offer.id == MentoringSession.offer_id)
        .join(Mentee, Mentee.participant_id == Offer.participant_id), filters).group_by(Mentee.district)).all())
    return [{"district": district, "sent": sent, "accepted": accepted, "declined": declined,
             "expired": expired, "sessions": logged.get(district, 0)}
            for district, sent, accepted, declined, expired in rows]

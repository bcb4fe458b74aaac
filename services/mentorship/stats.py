"""De-identified mentorship figures for monitoring and evaluation: counts per district."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship.models import Mentee, MentoringSession, Offer
from services.mentorship.offers import ACCEPTED, DECLINED, ENDED, EXPIRED


def matches(session: Session) -> list[dict]:
    """Per district: offers sent to mentors, accepted (ended ones included), declined,
    expired, and sessions logged."""
    status = Offer.status
    rows = session.execute(
        select(Mentee.district, func.count(),
               func.count().filter(status.in_((ACCEPTED, ENDED))),
               func.count().filter(status == DECLINED), func.count().filter(status == EXPIRED))
        .select_from(Offer).join(Mentee, Mentee.participant_id == Offer.participant_id)
        .where(Offer.sent_at.is_not(None))
        .group_by(Mentee.district).order_by(Mentee.district))
    logged = dict(session.execute(
        select(Mentee.district, func.count()).select_from(MentoringSession)
        .join(Offer, Offer.id == MentoringSession.offer_id)
        .join(Mentee, Mentee.participant_id == Offer.participant_id).group_by(Mentee.district)).all())
    return [{"district": district, "sent": sent, "accepted": accepted, "declined": declined,
             "expired": expired, "sessions": logged.get(district, 0)}
            for district, sent, accepted, declined, expired in rows]

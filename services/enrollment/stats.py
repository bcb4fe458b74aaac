"""De-identified counts for monitoring and evaluation: numbers per group, never who."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.enrollment.coursework import WAITLISTED
from services.enrollment.models import Cohort, CohortMember, Course, Participant


def enrolled(session: Session) -> list[dict]:
    """Participants enrolled, by district and gender."""
    rows = session.execute(select(Participant.district, Participant.gender, func.count())
                           .group_by(Participant.district, Participant.gender)
                           .order_by(Participant.district, Participant.gender))
    return [{"district": district, "gender": gender, "count": count} for district, gender, count in rows]


def completions(session: Session) -> list[dict]:
    """Per course track: people seated (waitlisted people never were), passed and failed."""
    result = CohortMember.result
    rows = session.execute(
        select(Course.track, func.count(),
               func.count().filter(result == "PASS"), func.count().filter(result == "FAIL"))
        .select_from(CohortMember).join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Course, Course.code == Cohort.course_code)
        .where(CohortMember.status != WAITLISTED)
        .group_by(Course.track).order_by(Course.track))
    return [{"track": track, "seated": seated, "passed": passed, "failed": failed}
            for track, seated, passed, failed in rows]

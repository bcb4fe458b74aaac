"""De-identified counts for monitoring and evaluation: numbers per group, never who."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.enrollment.coursework import WAITLISTED
from services.enrollment.models import Cohort, CohortMember, Course, Participant
from shared.figures import FigureFilters


def enrolled(session: Session, filters: FigureFilters) -> list[dict]:
    """Participants enrolled in the period and district, by district and gender."""
    starts, ends = filters.moments()
    statement = select(Participant.district, Participant.gender, func.count())
    if starts:
        statement = statement.where(Participant.enrolled_at >= starts)
    if ends:
        statement = statement.where(Participant.enrolled_at < ends)
    if filters.district:
        statement = statement.where(Participant.district == filters.district)
    rows = session.execute(statement.group_by(Participant.district, Participant.gender)
                           .order_by(Participant.district, Participant.gender))
    return [{"district": district, "gender": gender, "count": count} for district, gender, count in rows]


def completions(session: Session, filters: FigureFilters) -> list[dict]:
    """Per course track: people seated (waitlisted people never were), passed and failed, in
    the district's cohorts that ran during the period."""
    result = CohortMember.result
    statement = (select(Course.track, func.count(),
                        func.count().filter(result == "PASS"), func.count().filter(result == "FAIL"))
                 .select_from(CohortMember).join(Cohort, Cohort.id == CohortMember.cohort_id)
                 .join(Course, Course.code == Cohort.course_code)
                 .where(CohortMember.status != WAITLISTED))
    if filters.starts:
        statement = statement.where(Cohort.ends_on >= filters.starts)
    if filters.ends:
        statement = statement.where(Cohort.starts_on < filters.ends)
    if filters.district:
        statement = statement.where(Cohort.district == filters.district)
    rows = session.execute(statement.group_by(Course.track).order_by(Course.track))
    return [{"track": track, "seated": seated, "passed": passed, "failed": failed}
            for track, seated, passed, failed in rows]

"""Cohorts to choose from (seating, attendance): each with its course, dates and how full it
is, so an officer picks from a list instead of typing ids."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.enrollment.coursework import ENROLLED, WAITLISTED
from services.enrollment.models import Cohort, CohortMember, Course


def listing(session: Session, district: str | None, today: date) -> list[dict]:
    """Cohorts of a district (all without one) that have not ended, then finished ones; each
    with its seated and waiting counts."""
    counts = dict(((row.cohort_id, row.status), row.n) for row in session.execute(
        select(CohortMember.cohort_id, CohortMember.status, func.count().label("n"))
        .group_by(CohortMember.cohort_id, CohortMember.status)))
    statement = select(Cohort, Course).join(Course, Course.code == Cohort.course_code).order_by(
        Cohort.starts_on, Cohort.id)
    if district:
        statement = statement.where(Cohort.district == district)
    cohorts = [{"cohort_id": cohort.id, "course_code": course.code, "title": course.title, "track": course.track,
                "district": cohort.district, "starts_on": cohort.starts_on.isoformat(),
                "ends_on": cohort.ends_on.isoformat(), "capacity": cohort.capacity,
                "seated": counts.get((cohort.id, ENROLLED), 0), "waiting": counts.get((cohort.id, WAITLISTED), 0),
                "state": "FINISHED" if cohort.ends_on < today else "UPCOMING" if cohort.starts_on > today
                else "RUNNING"}
               for cohort, course in session.execute(statement)]
    return sorted(cohorts, key=lambda c: c["state"] == "FINISHED")


def courses(session: Session) -> list[dict]:
    """The course catalogue, each with how many cohorts it has had."""
    cohorts = dict(session.execute(select(Cohort.course_code, func.count()).group_by(Cohort.course_code)).all())
    return [{"code": course.code, "track": course.track, "title": course.title, "cohorts": cohorts.get(course.code, 0)}
            for course in session.scalars(select(Course).order_by(Course.code))]

"""Courses, cohorts (with a waitlist), attendance and completion."""
from datetime import datetime, timezone

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from services.enrollment.models import Attendance, Cohort, CohortMember, Course
from services.enrollment.participants import load as load_participant
from services.enrollment.schemas import CreateCohort, CreateCourse, RecordAttendance, RecordCompletion
from shared.contracts import AttendanceRecorded, CourseCompleted
from shared.errors import Conflict, NotEligible, NotFound, ValidationFailed
from shared.ids import unused_id

ENROLLED, WAITLISTED, LEFT = "ENROLLED", "WAITLISTED", "LEFT"


def create_course(session: Session, command: CreateCourse) -> Course:
    if session.get(Course, command.code) is not None:
        raise Conflict(f"course {command.code} already exists")
    course = Course(code=command.code, track=command.track, title=command.title)
    session.add(course)
    return course


def create_cohort(session: Session, command: CreateCohort) -> Cohort:
    if session.get(Course, command.course_code) is None:
        raise NotFound(f"no course {command.course_code}")
    cohort = Cohort(id=unused_id(session, Cohort, "C-"),
                    course_code=command.course_code, district=command.district,
                    starts_on=command.starts_on, ends_on=command.ends_on, capacity=command.capacity)
    session.add(cohort)
    return cohort


def load_cohort(session: Session, cohort_id: str, lock: bool = False) -> Cohort:
    cohort = session.get(Cohort, cohort_id, with_for_update=lock)
    if cohort is None:
        raise NotFound(f"no cohort {cohort_id}")
    return cohort


def join(session: Session, cohort_id: str, participant_id: str) -> CohortMember:
    """A seat if one is free, otherwise the waitlist; never over capacity."""
    cohort = load_cohort(session, cohort_id, lock=True)
    participant = load_participant(session, participant_id)
    if not participant.consent_active:
        raise NotEligible(f"{participant_id} has withdrawn consent")
    if participant.phase in ("CLOSED", "WITHDRAWN"):
        raise NotEligible(f"the case of {participant_id} is {participant.phase}")
    if session.get(CohortMember, (cohort_id, participant_id)) is not None:
        raise Conflict(f"{participant_id} is already in cohort {cohort_id}")
    seated = session.scalar(select(func.count()).select_from(CohortMember).where(
        CohortMember.cohort_id == cohort_id, CohortMember.status == ENROLLED))
    member = CohortMember(cohort_id=cohort_id, participant_id=participant_id,
                          status=ENROLLED if seated < cohort.capacity else WAITLISTED,
                          joined_at=datetime.now(timezone.utc))
    session.add(member)
    return member


def leave(session: Session, cohort_id: str, participant_id: str) -> str | None:
    """Free a seat (or a waitlist place); the longest-waiting person takes a freed seat.
    Returns who was promoted, if anyone."""
    load_cohort(session, cohort_id, lock=True)
    member = session.get(CohortMember, (cohort_id, participant_id), with_for_update=True)
    if member is None or member.status == LEFT:
        raise ValidationFailed(f"{participant_id} is not in cohort {cohort_id}")
    if member.result is not None:
        raise Conflict(f"{participant_id} already completed cohort {cohort_id}")
    had_seat = member.status == ENROLLED
    member.status, member.left_at = LEFT, datetime.now(timezone.utc)
    if not had_seat:
        return None
    waiting = session.scalars(select(CohortMember).where(
        CohortMember.cohort_id == cohort_id, CohortMember.status == WAITLISTED)
        .order_by(CohortMember.joined_at, CohortMember.participant_id).limit(1).with_for_update()).first()
    if waiting is None:
        return None
    waiting.status = ENROLLED
    return waiting.participant_id


def _seated(session: Session, cohort_id: str) -> set[str]:
    return set(session.scalars(select(CohortMember.participant_id).where(
        CohortMember.cohort_id == cohort_id, CohortMember.status == ENROLLED)))


def record_attendance(session: Session, cohort_id: str, command: RecordAttendance, actor: str, emit) -> int:
    """Bulk attendance for one session; all rows or none. Recording a session again
    corrects the marks of the people it lists."""
    cohort = load_cohort(session, cohort_id)
    if not cohort.starts_on <= command.session_date <= cohort.ends_on:
        raise ValidationFailed(
            f"session date {command.session_date} is outside the cohort's dates "
            f"{cohort.starts_on}..{cohort.ends_on}")
    outsiders = sorted(set(command.present + command.absent) - _seated(session, cohort_id))
    if outsiders:
        raise ValidationFailed(f"not seated in cohort {cohort_id}: {', '.join(outsiders)}")
    marks = [(pid, True) for pid in command.present] + [(pid, False) for pid in command.absent]
    session.execute(delete(Attendance).where(
        Attendance.cohort_id == cohort_id, Attendance.session_date == command.session_date,
        Attendance.participant_id.in_([pid for pid, _ in marks])))
    session.execute(insert(Attendance), [
        {"cohort_id": cohort_id, "participant_id": pid, "session_date": command.session_date, "present": present,
         "recorded_by": actor} for pid, present in marks])
    emit(AttendanceRecorded(cohort_id=cohort_id, track=session.get(Course, cohort.course_code).track,
                            session_date=command.session_date, present=command.present, absent=command.absent,
                            recorded_at=datetime.now(timezone.utc)))
    return len(marks)


def attendance_counts(session: Session, cohort_id: str, participant_id: str) -> tuple[int, int]:
    held = session.scalar(select(func.count(func.distinct(Attendance.session_date)))
                          .where(Attendance.cohort_id == cohort_id))
    attended = session.scalar(select(func.count()).select_from(Attendance).where(
        Attendance.cohort_id == cohort_id, Attendance.participant_id == participant_id,
        Attendance.present.is_(True)))
    return held, attended


def seated_attendance(session: Session, cohort_id: str) -> dict[str, dict]:
    """{participant_id: sessions held and attended} of everyone seated in the cohort, in three
    queries whatever its size (an attendance sheet asked one participant at a time before)."""
    load_cohort(session, cohort_id)
    held = session.scalar(select(func.count(func.distinct(Attendance.session_date)))
                          .where(Attendance.cohort_id == cohort_id))
    attended = dict(session.execute(select(Attendance.participant_id, func.count()).where(
        Attendance.cohort_id == cohort_id, Attendance.present.is_(True)).group_by(Attendance.participant_id)).all())
    seated = session.scalars(select(CohortMember.participant_id).where(
        CohortMember.cohort_id == cohort_id, CohortMember.status == ENROLLED))
    return {pid: {"sessions_held": held, "sessions_attended": attended.get(pid, 0)} for pid in seated}


def record_completion(session: Session, cohort_id: str, command: RecordCompletion, emit) -> CohortMember:
    cohort = load_cohort(session, cohort_id)
    member = session.get(CohortMember, (cohort_id, command.participant_id), with_for_update=True)
    if member is None or member.status != ENROLLED:
        raise ValidationFailed(f"{command.participant_id} is not seated in cohort {cohort_id}")
    if member.result is not None:
        raise Conflict(f"completion of {command.participant_id} in {cohort_id} is already recorded")
    if command.completed_on < cohort.starts_on:
        raise ValidationFailed("completed_on is before the cohort starts")
    member.result, member.score, member.completed_on = command.result, command.score, command.completed_on
    held, attended = attendance_counts(session, cohort_id, command.participant_id)
    course = session.get(Course, cohort.course_code)
    emit(CourseCompleted(participant_id=command.participant_id, cohort_id=cohort_id,
                         track=course.track, result=command.result, score=command.score,
                         sessions_held=held, sessions_attended=attended,
                         completed_on=command.completed_on))
    return member


def attendance_summary(session: Session, participant_id: str) -> list[dict]:
    """Attendance ratio per cohort (and so per course) of one participant."""
    load_participant(session, participant_id)
    rows = session.execute(select(CohortMember, Cohort, Course).join(Cohort, Cohort.id == CohortMember.cohort_id)
                           .join(Course, Course.code == Cohort.course_code)
                           .where(CohortMember.participant_id == participant_id)
                           .order_by(Cohort.starts_on)).all()
    summary = []
    for member, cohort, course in rows:
        held, attended = attendance_counts(session, cohort.id, participant_id)
        summary.append({"cohort_id": cohort.id, "course_code": course.code, "track": course.track,
                        "status": member.status, "result": member.result, "sessions_held": held,
                        "sessions_attended": attended,
                        "attendance_percent": None if not held else round(100 * attended / held, 1)})
    return summary

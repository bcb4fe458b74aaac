"""Cohorts, waitlist, bulk attendance and completion: errors change nothing."""
from datetime import date

import pytest
from sqlalchemy import func, select

from services.enrollment import consent, coursework
from services.enrollment.models import Attendance
from services.enrollment.schemas import (CreateCohort, CreateCourse, RecordAttendance, RecordCompletion,
                                         WithdrawConsent)
from shared.errors import Conflict, NotEligible, NotFound, ValidationFailed
from shared.validation import parse
from tests.enrollment.conftest import TODAY


@pytest.fixture
def cohort(desk):
    desk.do(coursework.create_course, CreateCourse(code="FL-101", track="FINANCIAL_LITERACY", title="Money"))
    return desk.do(coursework.create_cohort, parse(CreateCohort, {
        "course_code": "FL-101", "district": "Kismayo", "starts_on": "2026-09-07", "ends_on": "2026-10-30",
        "capacity": 2})).id


def people(desk, count):
    return [desk.enroll(full_name=f"Person {chr(65 + n)}", phone=f"+252 61 000 00{n:02d}",
                        national_id=f"N-{n}").participant_id for n in range(count)]


def marks(desk, cohort_id):
    return desk.do(lambda s: s.scalar(select(func.count()).select_from(Attendance)))


def test_capacity_waitlist_and_promotion(desk, cohort):
    a, b, c, d = people(desk, 4)
    assert [desk.do(coursework.join, cohort, p).status for p in (a, b, c, d)] == [
        "ENROLLED", "ENROLLED", "WAITLISTED", "WAITLISTED"]
    with pytest.raises(Conflict):
        desk.do(coursework.join, cohort, a)
    assert desk.do(coursework.leave, cohort, d) is None  # a waitlist place frees no seat
    assert desk.do(coursework.leave, cohort, a) == c
    with pytest.raises(ValidationFailed):
        desk.do(coursework.leave, cohort, a)


def test_unknown_course_cohort_and_dates_out_of_order(desk, cohort):
    with pytest.raises(NotFound):
        desk.do(coursework.create_cohort, parse(CreateCohort, {
            "course_code": "NOPE", "district": "Kismayo", "starts_on": "2026-09-07", "ends_on": "2026-10-30",
            "capacity": 2}))
    with pytest.raises(ValidationFailed, match="ends_on is before starts_on"):
        parse(CreateCohort, {"course_code": "FL-101", "district": "Kismayo", "starts_on": "2026-10-07",
                             "ends_on": "2026-09-30", "capacity": 2})
    with pytest.raises(NotFound):
        desk.do(coursework.join, "C-NOPE00", people(desk, 1)[0])


def test_attendance_is_all_or_nothing(desk, cohort):
    a, b, c = people(desk, 3)
    for p in (a, b, c):
        desk.do(coursework.join, cohort, p)
    session = {"session_date": "2026-09-08", "present": [a], "absent": [b]}
    with pytest.raises(ValidationFailed, match=f"not seated in cohort {cohort}: {c}"):
        desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {**session, "absent": [b, c]}),
                "o", desk.emit)
    with pytest.raises(ValidationFailed, match="outside the cohort's dates"):
        desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {**session, "session_date":
                                                                               "2026-11-08"}), "o", desk.emit)
    with pytest.raises(ValidationFailed, match="listed twice"):
        parse(RecordAttendance, {**session, "absent": [a]})
    assert marks(desk, cohort) == 0 and desk.emitted("attendance.recorded") == []
    assert desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, session), "o", desk.emit) == 2
    desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {
        "session_date": "2026-09-09", "present": [a, b]}), "o", desk.emit)
    desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {  # a correction
        "session_date": "2026-09-08", "present": [b]}), "o", desk.emit)
    assert marks(desk, cohort) == 4
    [first, *_] = desk.emitted("attendance.recorded")
    assert (first.cohort_id, first.track, first.present, first.absent) == (cohort, "FINANCIAL_LITERACY", [a], [b])
    summary = {row["cohort_id"]: row for row in desk.do(coursework.attendance_summary, b)}
    assert (summary[cohort]["sessions_held"], summary[cohort]["sessions_attended"],
            summary[cohort]["attendance_percent"]) == (2, 2, 100.0)


def test_the_attendance_sheet_has_everyone_seated_with_their_sessions(desk, cohort):
    a, b, c = people(desk, 3)
    for p in (a, b, c):
        desk.do(coursework.join, cohort, p)  # c waits: two seats
    assert desk.do(coursework.seated_attendance, cohort) == {
        a: {"sessions_held": 0, "sessions_attended": 0}, b: {"sessions_held": 0, "sessions_attended": 0}}
    for day, present in ((8, [a]), (9, [a])):
        desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {
            "session_date": f"2026-09-{day:02d}", "present": present, "absent": [b]}), "o", desk.emit)
    desk.do(coursework.leave, cohort, a)  # c takes the seat
    assert desk.do(coursework.seated_attendance, cohort) == {
        b: {"sessions_held": 2, "sessions_attended": 0}, c: {"sessions_held": 2, "sessions_attended": 0}}
    with pytest.raises(NotFound):
        desk.do(coursework.seated_attendance, "C-NOPE00")


def test_completion_carries_attendance_and_happens_once(desk, cohort):
    a, b = people(desk, 2)
    for p in (a, b):
        desk.do(coursework.join, cohort, p)
    for day, present in ((8, [a, b]), (9, [b])):
        desk.do(coursework.record_attendance, cohort, parse(RecordAttendance, {
            "session_date": f"2026-09-{day:02d}", "present": present, "absent": [p for p in (a, b)
                                                                             if p not in present]}), "o", desk.emit)
    done = RecordCompletion(participant_id=a, result="PASS", score="70", completed_on=date(2026, 10, 30))
    desk.do(coursework.record_completion, cohort, done, desk.emit)
    with pytest.raises(Conflict):
        desk.do(coursework.record_completion, cohort, done, desk.emit)
    with pytest.raises(Conflict):
        desk.do(coursework.leave, cohort, a)
    [event] = desk.emitted("course.completed")
    assert (event.sessions_held, event.sessions_attended, event.result) == (2, 1, "PASS")
    with pytest.raises(ValidationFailed, match="before the cohort starts"):
        desk.do(coursework.record_completion, cohort, done.model_copy(update={
            "participant_id": b, "completed_on": date(2026, 9, 1)}), desk.emit)


def test_no_new_seat_after_consent_is_withdrawn(desk, cohort):
    [a] = people(desk, 1)
    desk.do(consent.withdraw, a, WithdrawConsent(withdrawn_on=TODAY, reason="no longer wishes"), "o",
            desk.emit, TODAY)
    with pytest.raises(NotEligible):
        desk.do(coursework.join, cohort, a)

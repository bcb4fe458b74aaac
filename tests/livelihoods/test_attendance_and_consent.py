"""The attendance projection, eligibility measured from it, and consent withdrawal, on a
real (SQLite) livelihoods database without a broker."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.livelihoods import attendance, eligibility, grants, ledger_answers, programmes, projections, tranches
from services.livelihoods.conditions import CohortAttendance, Facts, parse_conditions
from services.livelihoods.models import AttendanceMark, ParticipantFacts
from services.livelihoods.schemas import CreateApplication, CreateProgramme
from shared.contracts import (AttendanceRecorded, ConsentWithdrawn, CourseCompleted, DisbursementCompleted,
                              DisbursementFailed, ParticipantEnrolled)
from shared.errors import NotEligible, UnknownParticipant, ValidationFailed
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command

PID, OTHER = "P-7K3M9Q", "P-0AB12C"
FL = "FINANCIAL_LITERACY"
def act(session, function, *args):
    with session.begin():
        return function(session, *args)


def record(session, day, present=(), absent=(), cohort="C-12", track=FL, recorded_at=None):
    act(session, attendance.recorded, AttendanceRecorded(
        cohort_id=cohort, track=track, session_date=date(2026, 9, day), present=list(present),
        absent=list(absent), recorded_at=recorded_at or datetime.now(timezone.utc)))


def complete(session, cohort, held, attended, track=FL):
    act(session, projections.course_completed, CourseCompleted(
        participant_id=PID, cohort_id=cohort, track=track, result="PASS", sessions_held=held,
        sessions_attended=attended, completed_on=date(2026, 8, 30)))


def marks(session):
    with session.begin():
        return {(m.participant_id, m.session_date.day): m.present
                for m in session.scalars(select(AttendanceMark))}


def enroll(session, participant_id=PID):
    act(session, projections.participant_enrolled, ParticipantEnrolled(
        participant_id=participant_id, district="Kismayo", gender="F", languages=["so"],
        phase="EXIT_ASSESSMENT", consent_active=True, enrolled_on=date(2026, 9, 1)))


def programme(session, conditions):
    act(session, programmes.create, parse(CreateProgramme, programme_command(conditions)), "admin", [].append)
    fund(session)


def attendance_outcome(session, **condition):
    """(passed, reason) of one min_attendance condition for PID, facts gathered from the database."""
    programme(session, [{"type": "min_attendance", "percent": 80, **condition}])
    with session.begin():
        loaded = programmes.load(session, "LG-2026")
        report = eligibility.evaluate(loaded, eligibility.gather_facts(session, loaded, PID))
    [result] = report["conditions"]
    return result["passed"], result["reason"]


# --- the projection ---------------------------------------------------------------------

def test_marks_are_stored_per_participant_and_session(session):
    record(session, 10, present=[PID], absent=[OTHER])
    record(session, 11, present=[PID, OTHER])
    assert marks(session) == {(PID, 10): True, (OTHER, 10): False, (PID, 11): True, (OTHER, 11): True}


def test_the_same_record_twice_is_harmless_and_a_correction_replaces_only_whom_it_lists(session):
    record(session, 10, present=[PID], absent=[OTHER])
    record(session, 10, present=[PID], absent=[OTHER])
    assert marks(session) == {(PID, 10): True, (OTHER, 10): False}
    record(session, 10, present=[OTHER])
    assert marks(session) == {(PID, 10): True, (OTHER, 10): True}
    record(session, 10, absent=[PID])
    assert marks(session) == {(PID, 10): False, (OTHER, 10): True}


def test_a_session_marking_someone_both_present_and_absent_is_refused_whole(session):
    with pytest.raises(ValidationFailed, match=f"{PID} both present and absent"):
        record(session, 10, present=[PID, OTHER], absent=[PID])
    assert marks(session) == {}


def test_counts_per_cohort_include_sessions_the_participant_is_not_listed_in(session):
    record(session, 10, present=[PID, OTHER])
    record(session, 11, present=[OTHER])
    record(session, 12, present=[PID], cohort="C-20", track="TVET:tailoring")
    assert attendance.by_cohort(session, [PID])[PID] == [
        CohortAttendance("C-12", FL, sessions_held=2, sessions_attended=1),
        CohortAttendance("C-20", "TVET:tailoring", sessions_held=1, sessions_attended=1)]
    assert attendance.by_cohort(session, ["P-NOMARK"]) == {"P-NOMARK": []}


# --- eligibility measured from the marks ------------------------------------------------------

def test_an_ongoing_cohort_shows_a_shortfall_before_any_completion(session):
    enroll(session)
    for day in range(10, 15):
        record(session, day, **({"present": [PID]} if day < 13 else {"absent": [PID]}))
    assert attendance_outcome(session) == (False, f"attendance 60 % < 80 % in {FL} cohort C-12")


def test_a_correction_changes_the_verdict(session):
    enroll(session)
    for day in range(10, 15):
        record(session, day, **({"present": [PID]} if day < 13 else {"absent": [PID]}))
    record(session, 13, present=[PID])
    assert attendance_outcome(session) == (True, "attendance ≥ 80 % in 1 course(s)")


def test_marks_outweigh_the_completion_of_the_same_cohort(session):
    enroll(session)
    complete(session, "C-12", held=5, attended=5)
    for day in range(10, 15):
        record(session, day, **({"present": [PID]} if day < 12 else {"absent": [PID]}))
    assert attendance_outcome(session) == (False, f"attendance 40 % < 80 % in {FL} cohort C-12")


def test_without_marks_in_the_relevant_tracks_the_completion_counts(session):
    enroll(session)
    complete(session, "C-9", held=25, attended=18)
    record(session, 10, present=[PID], cohort="C-30", track="CIVIC_EDUCATION")
    assert attendance_outcome(session, tracks=[FL]) == (
        False, f"attendance 72 % < 80 % in {FL} cohort C-9")


def test_a_completed_cohort_without_marks_still_counts_beside_one_with_marks(session):
    enroll(session)
    complete(session, "C-9", held=25, attended=18)
    record(session, 10, present=[PID])
    assert attendance_outcome(session) == (False, f"attendance 72 % < 80 % in {FL} cohort C-9")


def test_marks_of_other_tracks_are_ignored_when_the_condition_names_tracks():
    facts = Facts(phase="AFTERCARE", consent_active=True,
                  attendance=[CohortAttendance("C-30", "CIVIC_EDUCATION", 10, 1),
                              CohortAttendance("C-31", "TVET:tailoring", 10, 9)])
    [condition] = parse_conditions([{"type": "min_attendance", "percent": 80, "tracks": ["TVET:*"]}])
    assert condition.check(facts).passed
    [everything] = parse_conditions([{"type": "min_attendance", "percent": 80}])
    assert everything.check(facts).reason == "attendance 10 % < 80 % in CIVIC_EDUCATION cohort C-30"


# --- consent withdrawn ------------------------------------------------------------------------

def withdraw(session, participant_id=PID):
    act(session, projections.consent_withdrawn, ConsentWithdrawn(
        participant_id=participant_id, withdrawn_on=date(2026, 10, 5), recorded_by="officer-a"))


def test_withdrawal_turns_consent_off_and_needs_the_enrollment_first(session):
    enroll(session)
    withdraw(session)
    with session.begin():
        assert session.get(ParticipantFacts, PID).consent_active is False
    with pytest.raises(UnknownParticipant):
        withdraw(session, OTHER)


@pytest.fixture
def approved(session):
    """An APPROVED grant under a programme that does not list consent_active."""
    enroll(session)
    complete(session, "C-1", held=10, attended=10)
    programme(session, [{"type": "completed_track", "track": FL}])
    with session.begin():
        gid = grants.create(session, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": PID, "amount": "350.00", "currency": "USD",
            "business_plan": PLAN}), "officer-a").id
    act(session, grants.submit, gid, "officer-a")
    act(session, grants.approve, gid, "officer-b", "officer")
    return gid


def test_release_is_refused_after_withdrawal_whatever_the_conditions(session, approved):
    withdraw(session)
    emitted = []
    with pytest.raises(NotEligible, match=f"{PID} has withdrawn consent; no money is released for {approved}"):
        act(session, tranches.release, approved, "finance", emitted.append)
    assert emitted == []
    assert act(session, grants.load, approved).status == "APPROVED"


def test_a_payment_already_in_flight_is_not_recalled(session, approved):
    requested = act(session, tranches.release, approved, "finance", [].append).disbursement
    withdraw(session)
    act(session, ledger_answers.completed, DisbursementCompleted(
        disbursement_id=requested.id, idempotency_key=requested.idempotency_key, rail_reference="SIM1",
        amount=Decimal("350.00"), currency="USD"))
    assert act(session, grants.load, approved).status == "DISBURSED"


def test_a_payment_that_failed_after_withdrawal_is_not_reissued(session, approved):
    requested = act(session, tranches.release, approved, "finance", [].append).disbursement
    withdraw(session)
    act(session, ledger_answers.failed, DisbursementFailed(
        disbursement_id=requested.id, idempotency_key=requested.idempotency_key, reason="wallet closed"))
    with pytest.raises(NotEligible, match="withdrawn consent"):
        act(session, tranches.release, approved, "finance", [].append)


def test_submit_and_approve_refuse_when_the_programme_lists_consent(session):
    enroll(session)
    programme(session, [{"type": "consent_active"}])
    with session.begin():
        gid = grants.create(session, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": PID, "amount": "350.00", "currency": "USD",
            "business_plan": PLAN}), "officer-a").id
    act(session, grants.submit, gid, "officer-a")
    withdraw(session)
    with pytest.raises(NotEligible, match="cannot approve: not eligible for LG-2026: consent withdrawn"):
        act(session, grants.approve, gid, "officer-b", "officer")


def test_an_older_record_delivered_after_its_correction_changes_nothing(session):
    enroll(session)
    first = datetime(2026, 9, 8, 10, tzinfo=timezone.utc)
    record(session, 8, absent=[PID], recorded_at=first + timedelta(hours=1))  # the correction
    record(session, 8, present=[PID], recorded_at=first)  # the original, replayed late
    assert marks(session) == {(PID, 8): False}

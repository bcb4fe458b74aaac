"""Mentorship events in livelihoods' projection, and the `has_mentor` condition built on them."""
from datetime import datetime, timezone

import pytest

from services.livelihoods import eligibility, programmes, projections
from shared.contracts import MatchAccepted, MatchEnded
from tests.livelihoods.test_attendance_and_consent import PID, act, enroll, programme

AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def accepted(mentor_id="M-ABC123"):
    return MatchAccepted(offer_id="O-000001", participant_id=PID, mentor_id=mentor_id, district="Kismayo",
                         shared_trade=True, accepted_at=AT)


def ended(mentor_id="M-ABC123"):
    return MatchEnded(offer_id="O-000001", participant_id=PID, mentor_id=mentor_id, reason="CASE_CLOSED",
                      sessions=4, ended_at=AT)


def mentor_condition(session):
    with session.begin():
        loaded = programmes.load(session, "LG-2026")
        [result] = eligibility.evaluate(loaded, eligibility.gather_facts(session, loaded, PID))["conditions"]
    return result["passed"], result["reason"]


def test_has_mentor_follows_accepted_and_ended_mentorships(session):
    enroll(session)
    programme(session, [{"type": "has_mentor"}])
    assert mentor_condition(session) == (False, "no accepted mentorship")
    act(session, projections.mentorship_started, accepted())
    assert mentor_condition(session) == (True, "a mentor is guiding the participant")
    act(session, projections.mentorship_ended, ended(mentor_id="M-OTHER1"))  # another mentor's ending
    assert mentor_condition(session)[0] is True
    act(session, projections.mentorship_ended, ended())
    assert mentor_condition(session) == (False, "no accepted mentorship")


def test_a_mentorship_event_before_the_enrollment_event_is_refused_for_a_replay(session):
    with pytest.raises(LookupError, match="before its enrollment event"):
        act(session, projections.mentorship_started, accepted())

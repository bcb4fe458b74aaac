"""Consent given again after a withdrawal (`consent.renewed`): money can be released again."""
from datetime import date

import pytest

from services.livelihoods import grants, projections, tranches
from services.livelihoods.models import ParticipantFacts
from shared.contracts import ConsentRenewed
from shared.errors import NotEligible, UnknownParticipant
from tests.livelihoods.test_attendance_and_consent import OTHER, PID, act, approved, withdraw  # noqa: F401


def renew(session, participant_id=PID):
    act(session, projections.consent_renewed, ConsentRenewed(
        participant_id=participant_id, renewed_on=date(2026, 10, 20), recorded_by="officer-a"))


def test_renewal_turns_consent_on_again_and_a_release_goes_through(session, approved):
    withdraw(session)
    with pytest.raises(NotEligible, match="withdrawn consent"):
        act(session, tranches.release, approved, "finance", [].append)
    renew(session)
    with session.begin():
        assert session.get(ParticipantFacts, PID).consent_active is True
    emitted = []
    act(session, tranches.release, approved, "finance", emitted.append)
    assert act(session, grants.load, approved).status == "DISBURSING" and emitted
    with pytest.raises(UnknownParticipant):
        renew(session, OTHER)

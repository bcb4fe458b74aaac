"""Referral tests: a migrated livelihoods database for the rules, and a configuration whose
partner calls time out quickly (0.3 s, 3 retries, tiny backoff) for the service tests."""
from datetime import date

import pytest

from services.livelihoods import projections
from shared.contracts import ParticipantEnrolled
from tests.livelihoods.conftest import session  # noqa: F401  (the shared fixture)

PID, OTHER = "P-7K3M9Q", "P-0AB12C"
FAST = {"timeout_seconds": 0.3, "retries": 3, "backoff_factor": 0.01}


@pytest.fixture
def config(base_config, rabbit_config, web_config):
    return {**base_config, **rabbit_config, **web_config, "REFERRALS": {**base_config["REFERRALS"], **FAST}}


def enrolled(session, participant_id=PID, district="Kismayo", gender="F", consent_active=True):
    """The facts livelihoods learns from enrollment's `participant.enrolled` event."""
    with session.begin():
        projections.participant_enrolled(session, ParticipantEnrolled(
            participant_id=participant_id, district=district, gender=gender, languages=["so"],
            phase="REHABILITATION", consent_active=consent_active, enrolled_on=date(2026, 9, 1)))

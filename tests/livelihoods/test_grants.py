"""Grant workflow rules on a real (SQLite) livelihoods database, without a broker."""
from datetime import date
from decimal import Decimal

import pytest

from services.livelihoods import grants, programmes, projections
from services.livelihoods.schemas import CreateApplication, CreateProgramme
from shared.contracts import CourseCompleted, DisbursementCompleted, DisbursementFailed, ParticipantEnrolled
from shared.errors import Forbidden, IllegalTransition, NotEligible, SegregationOfDuties, UnknownProgramme
from shared.validation import parse
from tests.livelihoods.conftest import PLAN

@pytest.fixture
def emitted():
    return []


@pytest.fixture
def ready(session, emitted):
    """A programme and an eligible participant."""
    with session.begin():
        programmes.create(session, parse(CreateProgramme, {
            "code": "LG-2026", "name": "Grants", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
            "supervisor_threshold": "400.00",
            "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                           {"type": "phase_in", "phases": ["EXIT_ASSESSMENT"]}, {"type": "no_earlier_grant"}]}),
            "admin", emitted.append)
        projections.participant_enrolled(session, ParticipantEnrolled(
            participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"],
            phase="EXIT_ASSESSMENT", consent_active=True, enrolled_on=date(2026, 9, 1)))
        projections.course_completed(session, CourseCompleted(
            participant_id="P-7K3M9Q", cohort_id="C-1", track="FINANCIAL_LITERACY", result="PASS",
            sessions_held=10, sessions_attended=9, completed_on=date(2026, 10, 1)))
    return session


def draft(session, amount="350.00", maker="officer-a"):
    with session.begin():
        return grants.create(session, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": "P-7K3M9Q", "amount": amount, "currency": "USD",
            "business_plan": PLAN}), maker).id


def act(session, function, *args):
    with session.begin():
        return function(session, *args)


def test_maker_never_checks_and_only_finance_style_release_follows_approval(ready, emitted):
    gid = draft(ready)
    with pytest.raises(IllegalTransition):
        act(ready, grants.approve, gid, "officer-b", "officer")  # still a draft
    act(ready, grants.submit, gid, "officer-a")
    with pytest.raises(SegregationOfDuties):
        act(ready, grants.approve, gid, "officer-a", "officer")
    with pytest.raises(IllegalTransition):
        act(ready, grants.release, gid, "finance", emitted.append)
    assert act(ready, grants.approve, gid, "officer-b", "officer").status == "APPROVED"
    with pytest.raises(IllegalTransition):
        act(ready, grants.approve, gid, "officer-c", "officer")


def test_above_threshold_needs_a_supervisor(ready):
    gid = draft(ready, amount="450.00")
    act(ready, grants.submit, gid, "officer-a")
    with pytest.raises(Forbidden):
        act(ready, grants.approve, gid, "officer-b", "officer")
    assert act(ready, grants.approve, gid, "boss", "supervisor").status == "APPROVED"


def test_only_the_maker_submits_and_an_ineligible_draft_is_refused_with_reasons(ready):
    gid = draft(ready)
    with pytest.raises(Forbidden):
        act(ready, grants.submit, gid, "officer-b")
    with ready.begin():
        projections.participant_enrolled(ready, ParticipantEnrolled(
            participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"],
            phase="REHABILITATION", consent_active=True, enrolled_on=date(2026, 9, 1)))
    with pytest.raises(NotEligible, match="phase REHABILITATION is not one of EXIT_ASSESSMENT"):
        act(ready, grants.submit, gid, "officer-a")


def test_unknown_programme(ready):
    with pytest.raises(UnknownProgramme):
        with ready.begin():
            grants.create(ready, parse(CreateApplication, {
                "programme": "NOPE", "participant_id": "P-7K3M9Q", "amount": "1.00", "currency": "USD",
                "business_plan": PLAN}), "officer-a")


def approved(session):
    gid = draft(session)
    act(session, grants.submit, gid, "officer-a")
    act(session, grants.approve, gid, "officer-b", "officer")
    return gid


def test_release_once_then_settle(ready, emitted):
    gid = approved(ready)
    disbursement_id = act(ready, grants.release, gid, "finance", emitted.append).id
    [command] = [e for e in emitted if e.event_type == "disbursement.requested"]
    assert command.idempotency_key == f"grant:{gid}:t1:a1" and command.amount == Decimal("350.00")
    with pytest.raises(IllegalTransition):
        act(ready, grants.release, gid, "finance", emitted.append)
    act(ready, grants.settled, DisbursementCompleted(disbursement_id=disbursement_id,
                                                     idempotency_key=command.idempotency_key,
                                                     rail_reference="SIM1", amount="350.00", currency="USD"))
    assert act(ready, grants.load, gid).status == "DISBURSED"


def test_a_failed_payment_is_reissued_under_a_new_key_and_never_twice_in_flight(ready, emitted):
    gid = approved(ready)
    first = act(ready, grants.release, gid, "finance", emitted.append)
    act(ready, grants.failed, DisbursementFailed(disbursement_id=first.id, idempotency_key=first.idempotency_key,
                                                 reason="wallet closed"))
    assert act(ready, grants.load, gid).status == "APPROVED"
    second = act(ready, grants.release, gid, "finance", emitted.append)
    assert second.idempotency_key == f"grant:{gid}:t1:a2"
    with pytest.raises(IllegalTransition):
        act(ready, grants.release, gid, "finance", emitted.append)

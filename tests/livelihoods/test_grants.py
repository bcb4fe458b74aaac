"""Grant workflow rules on a real (SQLite) livelihoods database, without a broker:
tiers, maker-checker, return and revise, budget, tranches, pausing."""
from datetime import date
from decimal import Decimal

import pytest

from services.livelihoods import budget, grants, ledger_answers, programmes, projections, tranches
from services.livelihoods.schemas import ApplicationQuery, CreateApplication, CreateProgramme, FollowUp, Revision
from shared.contracts import CourseCompleted, DisbursementCompleted, DisbursementFailed, ParticipantEnrolled, PhaseChanged
from shared.errors import (Forbidden, IllegalTransition, InsufficientFunds, SegregationOfDuties, UnknownProgramme,
                           ValidationFailed)
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command

TIERS = [{"max_amount": "400.00", "approvers": ["officer"]}, {"max_amount": None, "approvers": ["officer", "supervisor"]}]
TWO_TRANCHES = [{"percent": 60}, {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}]


@pytest.fixture
def emitted():
    return []


def act(session, function, *args):
    with session.begin():
        return function(session, *args)


@pytest.fixture
def ready(session, emitted):
    """A funded two-tranche programme with tiers, and an eligible participant."""
    act(session, programmes.create, parse(CreateProgramme, programme_command(
        [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
         {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]}],
        tranches=TWO_TRANCHES, approval_tiers=TIERS)), "admin", emitted.append)
    fund(session, "1000.00")
    act(session, projections.participant_enrolled, ParticipantEnrolled(
        participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"], phase="EXIT_ASSESSMENT",
        consent_active=True, enrolled_on=date(2026, 9, 1)))
    act(session, projections.course_completed, CourseCompleted(
        participant_id="P-7K3M9Q", cohort_id="C-1", track="FINANCIAL_LITERACY", result="PASS", sessions_held=10,
        sessions_attended=9, completed_on=date(2026, 10, 1)))
    return session


def draft(session, amount="350.00", maker="officer-a"):
    with session.begin():
        return grants.create(session, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": "P-7K3M9Q", "amount": amount, "currency": "USD",
            "business_plan": PLAN}), maker).id


def status(session, gid):
    return act(session, grants.load, gid).status


def test_programme_definitions_are_checked():
    for bad in ({"tranches": [{"percent": 60}, {"percent": 30}]},
                {"approval_tiers": [{"max_amount": "400.00", "approvers": ["officer"]}]},
                {"approval_tiers": [{"max_amount": "400.00", "approvers": ["officer"]},
                                    {"max_amount": "100.00", "approvers": ["supervisor"]}, {"approvers": ["officer"]}]},
                {"budget": "100.00"}, {"approval_tiers": [{"approvers": ["finance"]}]}):
        with pytest.raises(ValidationFailed):
            parse(CreateProgramme, programme_command([{"type": "consent_active"}], **bad))


def test_maker_never_checks_and_nothing_skips_a_step(ready, emitted):
    gid = draft(ready)
    with pytest.raises(IllegalTransition):
        act(ready, grants.approve, gid, "officer-b", "officer")
    with pytest.raises(Forbidden):
        act(ready, grants.submit, gid, "officer-b")
    act(ready, grants.submit, gid, "officer-a")
    with pytest.raises(SegregationOfDuties):
        act(ready, grants.approve, gid, "officer-a", "officer")
    with pytest.raises(IllegalTransition):
        act(ready, tranches.release, gid, "finance", emitted.append)
    assert act(ready, grants.approve, gid, "officer-b", "officer").status == "APPROVED"
    with pytest.raises(IllegalTransition):
        act(ready, grants.approve, gid, "officer-c", "officer")
    with pytest.raises(IllegalTransition):
        act(ready, grants.reject, gid, "officer-c", "officer", "too late")


def test_the_upper_tier_needs_an_officer_and_a_supervisor(ready):
    gid = draft(ready, amount="450.00")
    act(ready, grants.submit, gid, "officer-a")
    assert act(ready, grants.approve, gid, "boss", "supervisor").status == "SUBMITTED"
    with pytest.raises(IllegalTransition, match="supervisor approval"):
        act(ready, grants.approve, gid, "boss-2", "supervisor")
    with pytest.raises(SegregationOfDuties, match="already approved"):
        act(ready, grants.approve, gid, "boss", "officer")
    assert act(ready, grants.approve, gid, "officer-b", "officer").status == "APPROVED"


def test_a_lower_tier_refuses_a_role_it_does_not_name(ready):
    gid = draft(ready)
    act(ready, grants.submit, gid, "officer-a")
    with pytest.raises(Forbidden, match="needs approval by officer"):
        act(ready, grants.approve, gid, "boss", "supervisor")


def test_return_revise_resubmit_voids_earlier_approvals(ready):
    gid = draft(ready, amount="450.00")
    act(ready, grants.submit, gid, "officer-a")
    act(ready, grants.approve, gid, "boss", "supervisor")
    act(ready, grants.return_for_revision, gid, "officer-b", "officer", "budget lines do not add up")
    assert status(ready, gid) == "RETURNED"
    with pytest.raises(Forbidden):
        act(ready, grants.revise, gid, parse(Revision, {"amount": "300.00", "business_plan": PLAN}), "officer-b")
    act(ready, grants.revise, gid, parse(Revision, {"amount": "300.00", "business_plan": PLAN}), "officer-a")
    act(ready, grants.submit, gid, "officer-a")
    assert act(ready, lambda s: grants.approvals(s, grants.load(s, gid))) == []
    assert act(ready, grants.approve, gid, "officer-b", "officer").status == "APPROVED"
    actions = [h["action"] for h in act(ready, lambda s: grants.history(s, grants.load(s, gid)))]
    assert actions == ["DRAFT", "SUBMIT", "APPROVE", "RETURN", "REVISE", "SUBMIT", "APPROVE"]


def test_bad_amounts_and_unknown_programme(ready):
    for amount, words in (("900.00", "above the programme's grant"),):
        with pytest.raises(ValidationFailed, match=words):
            draft(ready, amount=amount)
    with pytest.raises(UnknownProgramme):
        with ready.begin():
            grants.create(ready, parse(CreateApplication, {
                "programme": "NOPE", "participant_id": "P-7K3M9Q", "amount": "1.00", "currency": "USD",
                "business_plan": PLAN}), "officer-a")


def test_approval_never_over_commits_the_funding(ready):
    first, second, third = draft(ready, "400.00"), draft(ready, "400.00"), draft(ready, "300.00")
    for gid in (first, second, third):
        act(ready, grants.submit, gid, "officer-a")
    act(ready, grants.approve, first, "officer-b", "officer")
    act(ready, grants.approve, second, "officer-b", "officer")
    with pytest.raises(InsufficientFunds, match="200.00 USD available"):
        act(ready, grants.approve, third, "officer-b", "officer")
    assert status(ready, third) == "SUBMITTED"
    fund(ready, "300.00", reference="MDTF-2")
    assert act(ready, grants.approve, third, "officer-b", "officer").status == "APPROVED"
    position = act(ready, lambda s: budget.position(s, programmes.load(s, "LG-2026")))
    assert (position["funded"], position["committed"], position["available"]) == ("1300.00", "1100.00", "200.00")


def approved(session, amount="350.00"):
    gid = draft(session, amount)
    act(session, grants.submit, gid, "officer-a")
    act(session, grants.approve, gid, "officer-b", "officer")
    return gid


def release(session, gid, emitted):
    """Release the next tranche; (id, key, tranche, amount) of the disbursement."""
    d = act(session, tranches.release, gid, "finance", emitted.append).disbursement
    return d.id, d.idempotency_key, d.tranche, d.amount


def paid(session, released):
    disbursement_id, key, _tranche, amount = released
    act(session, ledger_answers.completed, DisbursementCompleted(
        disbursement_id=disbursement_id, idempotency_key=key, rail_reference="SIM1", amount=amount, currency="USD"))


def test_two_tranches_the_second_after_a_follow_up(ready, emitted):
    gid = approved(ready, "333.33")
    first = release(ready, gid, emitted)
    assert first[1:] == (f"grant:{gid}:t1:a1", 1, Decimal("200.00"))
    with pytest.raises(IllegalTransition, match="already being paid"):
        act(ready, tranches.release, gid, "finance", emitted.append)
    paid(ready, first)
    assert status(ready, gid) == "DISBURSING"
    outcome = act(ready, tranches.release, gid, "finance", emitted.append)
    assert outcome.disbursement is None and outcome.paused_reason == "tranche 2: no follow-up visit recorded"
    assert act(ready, grants.load, gid).paused_reason == outcome.paused_reason
    act(ready, tranches.record_follow_up, gid, FollowUp(visited_on=date(2026, 11, 20), business_operating=True,
                                                        note="stall open"), "officer-a")
    second = release(ready, gid, emitted)
    assert second[2:] == (2, Decimal("133.33"))
    paid(ready, second)
    assert status(ready, gid) == "DISBURSED"
    assert [e.amount for e in emitted if e.event_type == "disbursement.requested"] == [Decimal("200.00"),
                                                                                      Decimal("133.33")]


def test_a_failed_tranche_is_reissued_under_a_new_key(ready, emitted):
    gid = approved(ready)
    first_id, first_key, _, _ = release(ready, gid, emitted)
    act(ready, ledger_answers.failed, DisbursementFailed(disbursement_id=first_id, idempotency_key=first_key,
                                                   reason="wallet closed"))
    assert release(ready, gid, emitted)[1:3] == (f"grant:{gid}:t1:a2", 1)


def test_a_payment_reversed_after_the_grant_was_disbursed_is_paid_again(ready, emitted):
    gid = approved(ready, "333.33")
    paid(ready, release(ready, gid, emitted))
    act(ready, tranches.record_follow_up, gid, FollowUp(visited_on=date(2026, 11, 20), business_operating=True,
                                                        note="stall open"), "officer-a")
    second_id, second_key, _, _ = second = release(ready, gid, emitted)
    paid(ready, second)
    assert status(ready, gid) == "DISBURSED"
    act(ready, ledger_answers.failed, DisbursementFailed(disbursement_id=second_id, idempotency_key=second_key,
                                                   reason="the payment was reversed after it was made"))
    assert status(ready, gid) == "DISBURSING"
    assert release(ready, gid, emitted)[1:3] == (f"grant:{gid}:t2:a2", 2)


def test_a_participant_who_stops_complying_is_paused_then_resumed(ready, emitted):
    gid = approved(ready)
    act(ready, projections.phase_changed, PhaseChanged(
        participant_id="P-7K3M9Q", from_phase="EXIT_ASSESSMENT", to_phase="WITHDRAWN", changed_by="officer-a",
        changed_at="2026-11-21T10:00:00Z"))
    assert "phase WITHDRAWN" in act(ready, grants.load, gid).paused_reason
    outcome = act(ready, tranches.release, gid, "finance", emitted.append)
    assert outcome.disbursement is None and "phase WITHDRAWN" in outcome.paused_reason
    assert not [e for e in emitted if e.event_type == "disbursement.requested"]
    act(ready, projections.phase_changed, PhaseChanged(
        participant_id="P-7K3M9Q", from_phase="WITHDRAWN", to_phase="AFTERCARE", changed_by="officer-a",
        changed_at="2026-11-22T10:00:00Z"))
    assert act(ready, grants.load, gid).paused_reason is None


def test_cancel_only_before_money_moves(ready, emitted):
    gid = approved(ready)
    with pytest.raises(Forbidden):
        act(ready, grants.cancel, gid, "officer-b", "officer", "changed mind")
    tranches_gid = approved(ready)
    release(ready, tranches_gid, emitted)
    with pytest.raises(IllegalTransition):
        act(ready, grants.cancel, tranches_gid, "boss", "supervisor", "too late")
    assert act(ready, grants.cancel, gid, "boss", "supervisor", "duplicate application").status == "CANCELLED"


def test_the_queue_filters(ready):
    small, large = draft(ready, "100.00"), draft(ready, "450.00")
    for gid in (small, large):
        act(ready, grants.submit, gid, "officer-a")
    queue = act(ready, grants.queue, ApplicationQuery(status="SUBMITTED", tier=2))
    assert [a.id for a in queue] == [large]
    assert act(ready, grants.queue, ApplicationQuery(district="Baidoa")) == []

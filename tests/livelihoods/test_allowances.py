"""Allowance cycle rules on a real (SQLite) livelihoods database, without a broker:
who is due, one cycle a month, budget, maker-checker, settling and re-sending failures."""
from datetime import date

import pytest

from services.livelihoods import allowances, budget, programmes, projections
from services.livelihoods.schemas import CreateProgramme, PrepareCycle
from shared.contracts import (ConsentWithdrawn, CourseCompleted, DisbursementCompleted, DisbursementFailed,
                              ParticipantEnrolled)
from shared.errors import Conflict, IllegalTransition, InsufficientFunds, SegregationOfDuties, ValidationFailed
from shared.validation import parse
from tests.livelihoods.conftest import fund, programme_command

ALLOWANCE = {"amount": "40.00", "phases": ["REHABILITATION", "EXIT_ASSESSMENT"],
             "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"}]}


def act(session, function, *args):
    with session.begin():
        return function(session, *args)


def enrol(session, pid, phase, trained=True):
    act(session, projections.participant_enrolled, ParticipantEnrolled(
        participant_id=pid, district="Kismayo", gender="F", languages=["so"], phase=phase, consent_active=True,
        enrolled_on=date(2026, 9, 1)))
    if trained:
        act(session, projections.course_completed, CourseCompleted(
            participant_id=pid, cohort_id="C-1", track="FINANCIAL_LITERACY", result="PASS", sessions_held=10,
            sessions_attended=9, completed_on=date(2026, 10, 1)))


@pytest.fixture
def ready(session):
    """A funded programme paying 40.00 a month; two due, three not."""
    act(session, programmes.create, parse(CreateProgramme, programme_command(
        [{"type": "consent_active"}], allowance=ALLOWANCE)), "admin", lambda *_: None)
    fund(session, "1000.00")
    enrol(session, "P-AAAAA1", "REHABILITATION")
    enrol(session, "P-AAAAA2", "EXIT_ASSESSMENT")
    enrol(session, "P-AAAAA3", "REHABILITATION", trained=False)
    enrol(session, "P-AAAAA4", "EXIT_ASSESSMENT")
    enrol(session, "P-AAAAA5", "AFTERCARE")
    act(session, projections.consent_withdrawn, ConsentWithdrawn(participant_id="P-AAAAA4",
                                                                 withdrawn_on=date(2026, 10, 2), recorded_by="officer-a"))
    return session


def prepare(session, month="2026-11", actor="finance-a"):
    with session.begin():
        cycle, left_out = allowances.prepare(session, PrepareCycle(programme="LG-2026", month=month), actor)
        return allowances.describe(session, cycle, left_out)


def release(session, cycle_id, actor="finance-b"):
    sent = []
    with session.begin():
        view = allowances.describe(session, allowances.release(session, cycle_id, actor, sent.append))
    return view, sent


def available(session):
    return act(session, lambda s: budget.position(s, programmes.load(s, "LG-2026")))["available"]


def test_prepare_pays_who_is_due_and_says_why_others_are_not(ready):
    cycle = prepare(ready)
    assert (cycle["status"], cycle["total"], cycle["counts"]) == ("PREPARED", "80.00", {"PENDING": 2})
    assert [p["participant_id"] for p in cycle["payments"]] == ["P-AAAAA1", "P-AAAAA2"]
    assert all(p["payment_id"].startswith("A-") for p in cycle["payments"])
    reasons = {o["participant_id"]: o["reason"] for o in cycle["left_out"]}
    assert set(reasons) == {"P-AAAAA3", "P-AAAAA4"}  # AFTERCARE is not an allowance phase
    assert "FINANCIAL_LITERACY" in reasons["P-AAAAA3"] and reasons["P-AAAAA4"] == "consent withdrawn"
    assert available(ready) == "1000.00"  # prepared money is not committed yet


def test_one_cycle_per_programme_and_month(ready):
    prepare(ready)
    with pytest.raises(Conflict):
        prepare(ready)
    assert prepare(ready, month="2026-12")["month"] == "2026-12"


def test_a_programme_without_allowance_and_a_bad_month_are_refused(session):
    act(session, programmes.create, parse(CreateProgramme, programme_command([{"type": "consent_active"}])),
        "admin", lambda *_: None)
    with pytest.raises(ValidationFailed):
        prepare(session)
    with pytest.raises(ValidationFailed):
        parse(PrepareCycle, {"programme": "LG-2026", "month": "2026-13"})


def test_the_budget_limits_a_cycle(ready):
    enrol(ready, "P-AAAAA6", "REHABILITATION")
    act(ready, lambda s: setattr(programmes.load(s, "LG-2026"), "allowance",
                                 {**ALLOWANCE, "amount": "400.00"}))
    with pytest.raises(InsufficientFunds):
        prepare(ready)


def test_the_preparer_cannot_release_and_release_sends_one_command_each(ready):
    cycle_id = prepare(ready)["cycle_id"]
    with pytest.raises(SegregationOfDuties):
        release(ready, cycle_id, "finance-a")
    view, sent = release(ready, cycle_id)
    assert (view["status"], view["released_by"], view["counts"]) == ("RELEASED", "finance-b", {"REQUESTED": 2})
    assert {(c.kind, c.cycle, str(c.amount)) for c in sent} == {("ALLOWANCE", cycle_id, "40.00")}
    assert {c.idempotency_key for c in sent} == {f"allowance:{cycle_id}:P-AAAAA1:a1",
                                                 f"allowance:{cycle_id}:P-AAAAA2:a1"}
    assert available(ready) == "920.00"
    with pytest.raises(IllegalTransition):
        release(ready, cycle_id)


def test_settling_and_re_sending_only_the_failed(ready):
    cycle_id = prepare(ready)["cycle_id"]
    _, sent = release(ready, cycle_id)
    paid, refused = sent
    act(ready, allowances.settled, DisbursementCompleted(
        disbursement_id=paid.disbursement_id, idempotency_key=paid.idempotency_key, rail_reference="SIM-1",
        amount=paid.amount, currency="USD"))
    act(ready, allowances.failed, DisbursementFailed(
        disbursement_id=refused.disbursement_id, idempotency_key=refused.idempotency_key, reason="wallet closed"))
    view = act(ready, lambda s: allowances.describe(s, allowances.load(s, cycle_id)))
    assert view["counts"] == {"PAID": 1, "FAILED": 1} and view["paid"] == "40.00"
    assert available(ready) == "960.00"
    failed = next(p for p in view["payments"] if p["status"] == "FAILED")
    assert failed["failure_reason"] == "wallet closed"

    view, resent = release(ready, cycle_id, "finance-c")
    assert [(c.participant_id, c.idempotency_key) for c in resent] == [
        (refused.participant_id, f"allowance:{cycle_id}:{refused.participant_id}:a2")]
    assert resent[0].disbursement_id != refused.disbursement_id
    assert view["counts"] == {"PAID": 1, "REQUESTED": 1} and len(view["payments"]) == 3
    assert available(ready) == "920.00"
    with pytest.raises(IllegalTransition):
        release(ready, cycle_id, "finance-c")

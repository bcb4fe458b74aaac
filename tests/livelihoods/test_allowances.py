"""Allowance rules on a real (SQLite) livelihoods database, without a broker: which months
a cycle may be for, who is due by the month's phases and the aftercare limit, one
entitlement per participant and month, budget, maker-checker, settling and re-sending."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.livelihoods import allowances, budget, ledger_answers, programmes, projections
from services.livelihoods.models import AllowanceEntitlement, AllowancePayment, ParticipantFacts, PhaseHistory
from services.livelihoods.schemas import CreateProgramme, PageQuery, PrepareCycle
from shared.contracts import (ConsentWithdrawn, CourseCompleted, DisbursementCompleted, DisbursementFailed,
                              ParticipantEnrolled, PhaseChanged)
from shared.errors import Conflict, IllegalTransition, InsufficientFunds, SegregationOfDuties, ValidationFailed
from shared.validation import parse
from tests.livelihoods.conftest import fund, programme_command

ALLOWANCE = {"amount": "40.00", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"],
             "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"}]}
TODAY = date(2026, 11, 20)
GRACE_DAYS = 5


def act(session, function, *args):
    with session.begin():
        return function(session, *args)


def enrol(session, pid, phase, on=date(2026, 9, 1), trained=True):
    act(session, projections.participant_enrolled, ParticipantEnrolled(
        participant_id=pid, district="Kismayo", gender="F", languages=["so"], phase=phase, consent_active=True,
        enrolled_on=on))
    if trained:
        act(session, projections.course_completed, CourseCompleted(
            participant_id=pid, cohort_id="C-1", track="FINANCIAL_LITERACY", result="PASS", sessions_held=10,
            sessions_attended=9, completed_on=date(2026, 10, 1)))


def move(session, pid, from_phase, to_phase, on: date):
    act(session, projections.phase_changed, PhaseChanged(
        participant_id=pid, from_phase=from_phase, to_phase=to_phase, changed_by="officer-a",
        changed_at=datetime(on.year, on.month, on.day, 9, 30, tzinfo=timezone.utc)))


def withdraw_consent(session, pid):
    act(session, projections.consent_withdrawn, ConsentWithdrawn(participant_id=pid, withdrawn_on=date(2026, 10, 2),
                                                                 recorded_by="officer-a"))


def create_programme(session, allowance=ALLOWANCE, starts_on="2026-09-01"):
    act(session, programmes.create, parse(CreateProgramme, programme_command(
        [{"type": "consent_active"}], allowance=allowance, starts_on=starts_on)), "admin", lambda *_: None)
    fund(session, "1000.00")


@pytest.fixture
def ready(session):
    """A funded programme paying 40.00 a month; two due in 2026-11, two left out, one not concerned."""
    create_programme(session)
    enrol(session, "P-AAAAA1", "EXIT_ASSESSMENT")
    enrol(session, "P-AAAAA2", "EXIT_ASSESSMENT")
    move(session, "P-AAAAA2", "EXIT_ASSESSMENT", "AFTERCARE", date(2026, 10, 15))
    enrol(session, "P-AAAAA3", "EXIT_ASSESSMENT", trained=False)
    enrol(session, "P-AAAAA4", "EXIT_ASSESSMENT")
    withdraw_consent(session, "P-AAAAA4")
    enrol(session, "P-AAAAA5", "REHABILITATION")
    return session


def prepare(session, month="2026-11", actor="finance-a", today=TODAY, grace_days=GRACE_DAYS):
    """The cycle's view, with its first page of payments and of people left out."""
    with session.begin():
        cycle = allowances.prepare(session, PrepareCycle(programme="LG-2026", month=month), actor, today, grace_days)
        return with_pages(session, allowances.describe(session, cycle))


def with_pages(session, view):
    page = PageQuery(limit=500)
    return {**view, "payments": allowances.payments_page(session, view["cycle_id"], page)["payments"],
            "left_out": allowances.left_out_page(session, view["cycle_id"], page)["left_out"]}


def release(session, cycle_id, actor="finance-b"):
    """The cycle's view after release, and the disbursement commands sent (out of their chunks)."""
    chunks = []
    with session.begin():
        cycle, _ = allowances.release(session, cycle_id, actor, chunks.append)
        view = with_pages(session, allowances.describe(session, cycle))
    return view, [item for chunk in chunks for item in chunk.items]


def left_out(cycle):
    return {o["participant_id"]: (o["code"], o["reason"]) for o in cycle["left_out"]}


def paid_to(cycle):
    return [p["participant_id"] for p in cycle["payments"]]


def available(session):
    return act(session, lambda s: budget.position(s, programmes.load(s, "LG-2026")))["available"]


def test_prepare_pays_who_is_due_and_says_why_others_are_not(ready):
    cycle = prepare(ready)
    assert (cycle["status"], cycle["declared_total"], cycle["counts"]) == ("PREPARED", "80.00", {"PENDING": 2})
    assert cycle["declared_count"] == 2 and cycle["left_out_counts"] == {"CONDITIONS_NOT_MET": 1,
                                                                        "CONSENT_WITHDRAWN": 1}
    assert paid_to(cycle) == ["P-AAAAA1", "P-AAAAA2"]
    assert all(p["payment_id"].startswith("A-") for p in cycle["payments"])
    reasons = left_out(cycle)
    assert set(reasons) == {"P-AAAAA3", "P-AAAAA4"}  # P-AAAAA5 was never in an allowance phase
    assert reasons["P-AAAAA3"][0] == "CONDITIONS_NOT_MET" and "FINANCIAL_LITERACY" in reasons["P-AAAAA3"][1]
    assert reasons["P-AAAAA4"] == ("CONSENT_WITHDRAWN", "consent withdrawn")
    assert available(ready) == "1000.00"  # prepared money is not committed yet


def test_a_future_month_is_refused(ready):
    with pytest.raises(ValidationFailed, match="2026-12 has not begun: allowance cycles are for 2026-11"):
        prepare(ready, month="2026-12")
    with pytest.raises(ValidationFailed, match="has not begun"):
        prepare(ready, month="2027-05")


def test_a_month_before_the_programme_started_is_refused(session):
    create_programme(session, starts_on="2026-11-01")
    enrol(session, "P-AAAAA1", "EXIT_ASSESSMENT")
    with pytest.raises(ValidationFailed, match="LG-2026 started on 2026-11-01: no allowance is due for 2026-10"):
        prepare(session, month="2026-10", today=date(2026, 11, 3))
    assert paid_to(prepare(session, month="2026-11", today=date(2026, 11, 3))) == ["P-AAAAA1"]


def test_the_previous_month_only_within_the_grace_period(ready):
    with pytest.raises(ValidationFailed, match="2026-10 is closed: allowance cycles are for 2026-11, or 2026-10 "
                                              "until 2026-11-05"):
        prepare(ready, month="2026-10", today=date(2026, 11, 6))
    with pytest.raises(ValidationFailed, match="2026-09 is closed"):
        prepare(ready, month="2026-09", today=date(2026, 11, 5))
    with pytest.raises(ValidationFailed, match="2026-10 is closed: allowance cycles are for 2026-11$"):
        prepare(ready, month="2026-10", today=date(2026, 11, 1), grace_days=0)
    assert prepare(ready, month="2026-10", today=date(2026, 11, 5))["month"] == "2026-10"


def test_due_by_the_phases_of_the_month_not_of_today(ready):
    enrol(ready, "P-BBBBB1", "REHABILITATION")
    move(ready, "P-BBBBB1", "REHABILITATION", "EXIT_ASSESSMENT", date(2026, 12, 2))  # in phase only since December
    move(ready, "P-AAAAA1", "EXIT_ASSESSMENT", "REHABILITATION", date(2026, 11, 10))  # in phase part of November
    enrol(ready, "P-BBBBB2", "AFTERCARE", on=date(2026, 12, 1))  # enrolled after the month
    cycle = prepare(ready, today=date(2026, 12, 3))
    assert paid_to(cycle) == ["P-AAAAA1", "P-AAAAA2"]
    reasons = left_out(cycle)
    assert reasons["P-BBBBB1"] == ("NOT_IN_PHASE", "in REHABILITATION during 2026-11, not EXIT_ASSESSMENT or AFTERCARE")
    assert reasons["P-BBBBB2"] == ("NOT_IN_PHASE", "in no phase yet during 2026-11, not EXIT_ASSESSMENT or AFTERCARE")


def test_the_phase_history_holds_whatever_order_the_changes_arrive_in(ready):
    move(ready, "P-AAAAA1", "AFTERCARE", "CLOSED", date(2026, 11, 25))  # arrives before the change it follows
    move(ready, "P-AAAAA1", "EXIT_ASSESSMENT", "AFTERCARE", date(2026, 11, 10))
    move(ready, "P-AAAAA1", "EXIT_ASSESSMENT", "AFTERCARE", date(2026, 11, 10))  # the same change published again
    history = act(ready, lambda s: [(h.phase, h.since.day) for h in s.scalars(
        select(PhaseHistory).where(PhaseHistory.participant_id == "P-AAAAA1").order_by(PhaseHistory.since))])
    assert history == [("EXIT_ASSESSMENT", 1), ("AFTERCARE", 10), ("CLOSED", 25)]
    assert act(ready, lambda s: s.get(ParticipantFacts, "P-AAAAA1").phase) == "CLOSED"
    assert "P-AAAAA1" in paid_to(prepare(ready, today=date(2026, 11, 28)))  # in phase during November


def test_only_the_first_six_months_of_aftercare(session):
    create_programme(session, starts_on="2026-01-01")
    enrol(session, "P-AAAAA1", "EXIT_ASSESSMENT", on=date(2026, 3, 1))
    move(session, "P-AAAAA1", "EXIT_ASSESSMENT", "AFTERCARE", date(2026, 5, 20))  # May is month 1, October 6
    assert paid_to(prepare(session, month="2026-10", today=date(2026, 11, 2))) == ["P-AAAAA1"]
    with pytest.raises(Conflict, match="nobody is due an allowance of LG-2026 for 2026-11: 1 AFTERCARE_MONTHS_OVER"):
        prepare(session, month="2026-11", today=date(2026, 11, 2))


def test_the_programme_sets_how_many_months_of_aftercare(session):
    create_programme(session, allowance={**ALLOWANCE, "months": 2})
    enrol(session, "P-AAAAA1", "AFTERCARE", on=date(2026, 9, 20))
    with pytest.raises(Conflict) as refused:
        prepare(session)
    assert "1 AFTERCARE_MONTHS_OVER" in str(refused.value)
    assert act(session, lambda s: s.query(AllowanceEntitlement).count()) == 0


def test_a_withdrawn_participant_is_left_out_and_a_withdrawal_after_preparing_stops_the_payment(ready):
    move(ready, "P-AAAAA2", "AFTERCARE", "WITHDRAWN", date(2026, 11, 10))
    cycle = prepare(ready)
    assert paid_to(cycle) == ["P-AAAAA1"]
    assert left_out(cycle)["P-AAAAA2"] == ("CASE_WITHDRAWN", "case withdrawn on 2026-11-10")
    withdraw_consent(ready, "P-AAAAA1")
    view, sent = release(ready, cycle["cycle_id"])
    assert sent == [] and view["counts"] == {"STOPPED": 1} and view["declared_total"] == "40.00"
    assert view["progress"]["held"] == {"count": 1, "amount": "40.00"}
    assert view["payments"][0]["failure_reason"] == "consent withdrawn"
    assert available(ready) == "1000.00"


def test_an_allowance_without_conditions_of_its_own_pays(session):
    create_programme(session, allowance={"amount": "40.00", "phases": ["AFTERCARE"]})
    enrol(session, "P-AAAAA1", "AFTERCARE", trained=False)
    assert act(session, lambda s: programmes.load(s, "LG-2026").allowance)["conditions"] == []
    assert paid_to(prepare(session)) == ["P-AAAAA1"]


def test_the_same_month_in_two_cycles_pays_only_who_the_first_did_not_hold(ready):
    first = prepare(ready)
    enrol(ready, "P-CCCCC1", "AFTERCARE", on=date(2026, 11, 5))  # an enrollment that arrived late
    second = prepare(ready, actor="finance-c")
    assert paid_to(second) == ["P-CCCCC1"] and second["cycle_id"] != first["cycle_id"]
    assert left_out(second)["P-AAAAA1"] == ("ALREADY_IN_CYCLE",
                                            f"the 2026-11 allowance is already in cycle {first['cycle_id']}")
    with pytest.raises(Conflict, match="nobody is due .* for 2026-11: 3 ALREADY_IN_CYCLE, 1 CONDITIONS_NOT_MET, "
                                       "1 CONSENT_WITHDRAWN"):
        prepare(ready)
    assert prepare(ready, month="2026-10", today=date(2026, 11, 2))["month"] == "2026-10"


def test_the_database_refuses_a_second_entitlement_for_a_participant_and_month(ready):
    prepare(ready)
    enrol(ready, "P-CCCCC1", "AFTERCARE", on=date(2026, 11, 5))
    second = prepare(ready, actor="finance-c")
    with pytest.raises(IntegrityError):
        act(ready, lambda s: s.add(AllowanceEntitlement(programme="LG-2026", month="2026-11",
                                                        participant_id="P-AAAAA1", cycle_id=second["cycle_id"])))


def test_the_database_refuses_a_second_live_attempt(ready):
    payment_id = prepare(ready)["payments"][0]["payment_id"]

    def second_attempt(session):
        payment = session.get(AllowancePayment, payment_id)
        session.add(AllowancePayment(id="A-SECOND1", cycle_id=payment.cycle_id, entitlement_id=payment.entitlement_id,
                                     participant_id=payment.participant_id, amount=payment.amount, currency="USD",
                                     attempt=2, idempotency_key="another", status="PENDING"))
    with pytest.raises(IntegrityError):
        act(ready, second_attempt)


def test_the_budget_limits_a_cycle(ready):
    act(ready, lambda s: setattr(programmes.load(s, "LG-2026"), "allowance", {**ALLOWANCE, "amount": "600.00"}))
    with pytest.raises(InsufficientFunds):
        prepare(ready)


def test_a_programme_without_allowance_and_a_bad_month_are_refused(session):
    act(session, programmes.create, parse(CreateProgramme, programme_command([{"type": "consent_active"}])),
        "admin", lambda *_: None)
    with pytest.raises(ValidationFailed, match="pays no allowance"):
        prepare(session)
    with pytest.raises(ValidationFailed):
        parse(PrepareCycle, {"programme": "LG-2026", "month": "2026-13"})


def test_the_preparer_cannot_release_and_release_sends_one_command_each(ready):
    cycle_id = prepare(ready)["cycle_id"]
    with pytest.raises(SegregationOfDuties):
        release(ready, cycle_id, "finance-a")
    view, sent = release(ready, cycle_id)
    assert (view["status"], view["released_by"], view["counts"]) == ("RELEASED", "finance-b", {"REQUESTED": 2})
    assert {(c.kind, c.cycle, str(c.amount)) for c in sent} == {("ALLOWANCE", cycle_id, "40.00")}
    assert {c.idempotency_key for c in sent} == {"allowance:LG-2026:2026-11:P-AAAAA1:a1",
                                                 "allowance:LG-2026:2026-11:P-AAAAA2:a1"}
    assert available(ready) == "920.00"
    with pytest.raises(IllegalTransition):
        release(ready, cycle_id)


def test_settling_and_re_sending_only_the_failed(ready):
    cycle_id = prepare(ready)["cycle_id"]
    _, sent = release(ready, cycle_id)
    paid, refused = sent
    act(ready, ledger_answers.completed, DisbursementCompleted(
        disbursement_id=paid.disbursement_id, idempotency_key=paid.idempotency_key, rail_reference="SIM-1",
        amount=paid.amount, currency="USD"))
    act(ready, ledger_answers.failed, DisbursementFailed(
        disbursement_id=refused.disbursement_id, idempotency_key=refused.idempotency_key, reason="wallet closed"))
    view = act(ready, lambda s: allowances.describe(s, allowances.load(s, cycle_id)))
    assert view["counts"] == {"PAID": 1, "FAILED": 1} and view["paid"] == "40.00"
    view = act(ready, lambda s: with_pages(s, view))
    assert available(ready) == "960.00"
    failed = next(p for p in view["payments"] if p["status"] == "FAILED")
    assert failed["failure_reason"] == "wallet closed"

    view, resent = release(ready, cycle_id, "finance-c")
    assert [(c.participant_id, c.idempotency_key) for c in resent] == [
        (refused.participant_id, f"allowance:LG-2026:2026-11:{refused.participant_id}:a2")]
    assert resent[0].disbursement_id != refused.disbursement_id
    assert view["counts"] == {"PAID": 1, "REQUESTED": 1, "REISSUED": 1} and len(view["payments"]) == 3
    assert view["progress"]["re-issued"]["count"] == 1 and view["declared_total"] == "80.00"
    assert available(ready) == "920.00"
    with pytest.raises(IllegalTransition):
        release(ready, cycle_id, "finance-c")

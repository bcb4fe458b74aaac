"""Grant tranche cycles: the next tranche of each approved grant of a programme prepared as
one cycle, released by another finance user in chunks, complete when the ledger agrees;
tranches released one by one still work beside them and nothing is paid twice."""
from datetime import date

import pytest

from services.livelihoods import allowances, grant_cycles, grants, programmes, projections, tranches
from services.livelihoods.models import GrantDecision
from services.livelihoods.schemas import CreateApplication, CreateProgramme, PrepareGrantCycle
from shared.contracts import CourseCompleted, ParticipantEnrolled
from shared.errors import Conflict, IllegalTransition, SegregationOfDuties
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command
from tests.livelihoods.test_cycles import answer, ledger_totals, page, view
from tests.livelihoods.test_grants import TIERS, TWO_TRANCHES, act

TODAY = date(2026, 11, 20)
PEOPLE = ["P-GA0001", "P-GA0002", "P-GA0003", "P-GA0004"]


@pytest.fixture
def approved(session):
    """A funded two-tranche programme and an approved 350.00 grant for each of four participants."""
    act(session, programmes.create, parse(CreateProgramme, programme_command(
        [{"type": "completed_track", "track": "FINANCIAL_LITERACY"}], tranches=TWO_TRANCHES,
        approval_tiers=TIERS)), "admin", lambda *_: None)
    fund(session, "5000.00")
    ids = []
    for pid in PEOPLE:
        act(session, projections.participant_enrolled, ParticipantEnrolled(
            participant_id=pid, district="Kismayo", gender="F", languages=["so"], phase="AFTERCARE",
            consent_active=True, enrolled_on=date(2026, 9, 1)))
        act(session, projections.course_completed, CourseCompleted(
            participant_id=pid, cohort_id="C-1", track="FINANCIAL_LITERACY", result="PASS", sessions_held=10,
            sessions_attended=9, completed_on=date(2026, 10, 1)))
        gid = act(session, grants.create, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": pid, "amount": "350.00", "currency": "USD",
            "business_plan": PLAN}), "officer-a").id
        act(session, grants.submit, gid, "officer-a")
        act(session, grants.approve, gid, "officer-b", "officer")
        ids.append(gid)
    return session, ids


def prepare(session, actor="finance-a"):
    return act(session, lambda s: allowances.describe(
        s, grant_cycles.prepare(s, PrepareGrantCycle(programme="LG-2026"), actor, TODAY)))


def release(session, cycle_id, actor="finance-b"):
    chunks = []
    released = act(session, lambda s: allowances.release(s, cycle_id, actor, chunks.append)[1])
    return released, chunks


def test_a_grant_cycle_is_prepared_released_by_another_and_completes_against_the_ledger(approved):
    session, ids = approved
    alone = act(session, tranches.release, ids[3], "finance-c", lambda *_: None).disbursement.id  # on its own
    cycle = prepare(session)
    assert (cycle["kind"], cycle["declared_count"], cycle["declared_total"]) == ("GRANT", 3, "630.00")
    assert cycle["left_out_counts"] == {"TRANCHE_IN_PAYMENT": 1} and cycle["status"] == "PREPARED"
    with pytest.raises(IllegalTransition, match=f"in payment cycle {cycle['cycle_id']}, awaiting its release"):
        act(session, tranches.release, ids[0], "finance-c", lambda *_: None)
    with pytest.raises(SegregationOfDuties):
        release(session, cycle["cycle_id"], "finance-a")

    released, chunks = release(session, cycle["cycle_id"])
    assert released == {"sent": 3, "sent_amount": "630.00", "stopped": 0}
    items = [item for chunk in chunks for item in chunk.items]
    assert sorted(i.reference for i in items) == sorted(ids[:3])
    assert {(i.kind, i.cycle, str(i.amount)) for i in items} == {("GRANT", cycle["cycle_id"], "210.00")}
    assert {i.idempotency_key for i in items} == {f"grant:{gid}:t1:a1" for gid in ids[:3]}
    assert alone not in {i.disbursement_id for i in items}
    assert [act(session, grants.load, gid).status for gid in ids[:3]] == ["DISBURSING"] * 3
    assert act(session, lambda s: s.query(GrantDecision).filter_by(application_id=ids[0], action="RELEASE")
               .one().reason) == f"tranche 1 in cycle {cycle['cycle_id']}"
    with pytest.raises(IllegalTransition, match="already released"):
        release(session, cycle["cycle_id"], "finance-c")

    payments = page(session, cycle["cycle_id"])["payments"]
    answer(session, payments[:2], "PAID")
    answer(session, payments[2:], "FAILED")
    failed_key = payments[2]["idempotency_key"].replace(":a1", ":a2")
    fewer = view(session, cycle["cycle_id"], ledger_totals(cycle["cycle_id"], "420.00", 2, "210.00", 0))
    assert fewer["complete"] is False and "in 0 payments, livelihoods 210.00 in 1" in fewer["completion"]
    done = view(session, cycle["cycle_id"], ledger_totals(cycle["cycle_id"], "420.00", 2, "210.00", 1))
    assert (done["complete"], done["status"]) == (True, "COMPLETE")

    again = prepare(session, "finance-c")  # the failed tranche again; tranche 2 waits for a follow-up visit
    assert (again["declared_count"], again["declared_total"]) == (1, "210.00")
    assert again["left_out_counts"] == {"CONDITIONS_NOT_MET": 2, "TRANCHE_IN_PAYMENT": 1}
    assert page(session, again["cycle_id"])["payments"][0]["idempotency_key"] == failed_key
    paid_application = payments[0]["idempotency_key"].split(":")[1]  # pages are in payment-id order, not ids'
    assert act(session, grants.load, paid_application).paused_reason.startswith("tranche 2:")


def test_nothing_due_is_refused_and_nothing_kept(approved):
    session, ids = approved
    for gid in ids:
        act(session, tranches.release, gid, "finance-c", lambda *_: None)
    with pytest.raises(Conflict, match="no grant tranche of LG-2026 is due: 4 TRANCHE_IN_PAYMENT"):
        prepare(session)
    assert act(session, allowances.all_cycles) == []

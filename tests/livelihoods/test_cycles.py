"""Cycles as finance runs them, on a real (SQLite) database without a broker: the declared
count and total, release refused with the shortfall, progress by status, completion only
when every payment is settled and the ledger's totals agree, chunked commands, paging."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from services.livelihoods import allowances, cycle_progress, ledger_answers
from services.livelihoods.cycle_rows import payment_id
from services.livelihoods.models import ParticipantFacts, PhaseHistory
from services.livelihoods.schemas import PageQuery, PrepareCycle
from shared.contracts import DisbursementCompleted, DisbursementFailed
from shared.errors import InsufficientFunds
from tests.livelihoods.conftest import fund
from tests.livelihoods.test_allowances import TODAY, act, create_programme, withdraw_consent

NOW = datetime(2026, 11, 21, tzinfo=timezone.utc)


def people(session, count, start=0):
    """`count` participants in aftercare since October, consent active, inserted in bulk."""
    ids = [f"P-{n:06d}" for n in range(start, start + count)]
    with session.begin():
        session.execute(insert(ParticipantFacts), [{"participant_id": pid, "district": "Kismayo", "gender": "F",
                                                   "phase": "AFTERCARE", "consent_active": True} for pid in ids])
        session.execute(insert(PhaseHistory), [{"participant_id": pid, "phase": "AFTERCARE",
                                               "since": datetime(2026, 10, 1, tzinfo=timezone.utc)} for pid in ids])
    return ids


@pytest.fixture
def programme(session):
    create_programme(session, allowance={"amount": "40.00", "phases": ["AFTERCARE"]})
    return session


def prepare(session, actor="finance-a"):
    with session.begin():
        return allowances.prepare(session, PrepareCycle(programme="LG-2026", month="2026-11"), actor, TODAY, 5).id


def release(session, cycle_id, actor="finance-b"):
    chunks = []
    with session.begin():
        _, released = allowances.release(session, cycle_id, actor, chunks.append)
    return released, chunks


def view(session, cycle_id, ledger=None):
    with session.begin():
        cycle = allowances.load(session, cycle_id)
        groups, verdict = cycle_progress.review(session, cycle, lambda: ledger, NOW)
        return allowances.describe(session, cycle, groups, verdict)


def page(session, cycle_id, **query):
    with session.begin():
        return allowances.payments_page(session, cycle_id, PageQuery(**query))


def answer(session, payments, outcome):
    for p in payments:
        event = (DisbursementCompleted(disbursement_id=p["payment_id"], idempotency_key=p["idempotency_key"],
                                       rail_reference=f"SIM-{p['payment_id']}", amount=p["amount"], currency="USD")
                 if outcome == "PAID" else
                 DisbursementFailed(disbursement_id=p["payment_id"], idempotency_key=p["idempotency_key"],
                                    reason="wallet closed"))
        act(session, ledger_answers.completed if outcome == "PAID" else ledger_answers.failed, event)


def ledger_totals(cycle_id, paid, payments, failed="0.00", failures=0, currency="USD"):
    """What the ledger's `cycle_totals` answers."""
    return {"cycle": cycle_id, "currency": currency, "by_status": {
        "PAID": {"count": payments, "amount": paid}, "FAILED": {"count": failures, "amount": failed},
        "REVERSED": {"count": 0, "amount": "0.00"}, "HELD": {"count": 0, "amount": "0.00"}}}


def test_a_cycle_declares_its_count_and_total_when_prepared_and_keeps_them(programme):
    ids = people(programme, 3)
    cycle_id = prepare(programme)
    prepared = view(programme, cycle_id)
    assert (prepared["declared_count"], prepared["declared_total"], prepared["currency"]) == (3, "120.00", "USD")
    assert (prepared["complete"], prepared["completion"]) == (False, "not released yet")
    withdraw_consent(programme, ids[0])
    released, chunks = release(programme, cycle_id)
    assert released == {"sent": 2, "sent_amount": "80.00", "stopped": 1}
    after = view(programme, cycle_id)
    assert (after["declared_count"], after["declared_total"]) == (3, "120.00")  # not recomputed
    assert after["progress"]["held"] == {"count": 1, "amount": "40.00"}
    assert [len(c.items) for c in chunks] == [2]


def test_release_short_of_funds_is_refused_with_the_shortfall_and_sends_nothing(programme):
    people(programme, 30)  # 1,200.00 due; 1,000.00 funded
    with pytest.raises(InsufficientFunds, match="short by 200.00 USD"):
        prepare(programme)
    fund(programme, "300.00", reference="MDTF-2")
    first = prepare(programme)
    people(programme, 5, start=100)  # enrolled late: a second cycle for the month
    second = prepare(programme, actor="finance-c")
    release(programme, second)  # 200.00 committed: 1,100.00 left for the first cycle's 1,200.00
    with pytest.raises(InsufficientFunds) as refused:
        release(programme, first)
    assert str(refused.value) == ("committing 1200.00 USD would over-commit LG-2026: 1100.00 USD available of the "
                                  "funding received, short by 100.00 USD")
    assert view(programme, first)["counts"] == {"PENDING": 30} and view(programme, first)["status"] == "PREPARED"


def test_progress_by_status_and_completion_only_when_the_ledger_agrees(programme):
    people(programme, 5)
    cycle_id = prepare(programme)
    release(programme, cycle_id)
    payments = page(programme, cycle_id)["payments"]
    answer(programme, payments[:3], "PAID")
    answer(programme, payments[3:4], "FAILED")
    waiting = view(programme, cycle_id, ledger_totals(cycle_id, "120.00", 3, "40.00", 1))
    assert {label: g["count"] for label, g in waiting["progress"].items()} == {
        "pending": 0, "sent": 1, "paid": 3, "failed": 1, "held": 0, "re-issued": 0}
    assert (waiting["complete"], waiting["completion"]) == (False, "1 of 5 payments not settled yet")

    answer(programme, payments[4:], "PAID")
    missing = view(programme, cycle_id, ledger_totals(cycle_id, "120.00", 3, "40.00", 1))  # one payment missing
    assert (missing["complete"], missing["status"]) == (False, "RELEASED")
    assert missing["completion"] == "the ledger shows 120.00 paid in 3 payments, livelihoods 160.00 in 4"
    unknown_to_ledger = view(programme, cycle_id, ledger_totals(cycle_id, "0.00", 0, currency=None))
    assert unknown_to_ledger["complete"] is False
    assert "the ledger shows 0.00 paid in 0 payments" in unknown_to_ledger["completion"]
    one_failure_fewer = view(programme, cycle_id, ledger_totals(cycle_id, "160.00", 4, "40.00", 0))
    assert (one_failure_fewer["complete"], one_failure_fewer["status"]) == (False, "RELEASED")
    assert one_failure_fewer["completion"] == ("the ledger shows 40.00 failed, reversed or held in 0 payments, "
                                               "livelihoods 40.00 in 1")
    no_answer = view(programme, cycle_id, None)
    assert (no_answer["complete"], no_answer["status"]) == (None, "RELEASED")
    assert no_answer["completion"] == "unknown: the ledger did not answer in time"

    done = view(programme, cycle_id, ledger_totals(cycle_id, "160.00", 4, "40.00", 1))
    assert (done["complete"], done["status"]) == (True, "COMPLETE") and done["completed_at"]
    assert view(programme, cycle_id, None)["status"] == "COMPLETE"  # a ledger not answering changes nothing
    assert done["completion"] == ("every payment settled and the ledger's totals agree: 160.00 paid, 40.00 failed, "
                                  "0.00 held")

    released, chunks = release(programme, cycle_id, "finance-c")  # the failed one again, under a new attempt
    assert released["sent"] == 1 and chunks[0].items[0].idempotency_key.endswith(":a2")
    again = view(programme, cycle_id, ledger_totals(cycle_id, "160.00", 4, "40.00", 1))
    assert (again["status"], again["complete"]) == ("RELEASED", False)
    assert again["progress"]["re-issued"] == {"count": 1, "amount": "40.00"}
    assert again["progress"]["sent"]["count"] == 1


def test_a_release_of_1201_payments_makes_3_chunks_with_every_command_once(programme):
    fund(programme, "50000.00", reference="MDTF-2")
    people(programme, 1201)
    cycle_id = prepare(programme)
    released, chunks = release(programme, cycle_id)
    assert released["sent"] == 1201 and [len(c.items) for c in chunks] == [500, 500, 201]
    keys = [item.idempotency_key for chunk in chunks for item in chunk.items]
    assert len(set(keys)) == 1201 and {item.cycle for chunk in chunks for item in chunk.items} == {cycle_id}
    assert len({item.disbursement_id for chunk in chunks for item in chunk.items}) == 1201
    assert all(len(item.disbursement_id) <= 12 for chunk in chunks for item in chunk.items)
    assert view(programme, cycle_id)["counts"] == {"REQUESTED": 1201}


def test_payments_and_people_left_out_are_read_a_page_at_a_time(programme):
    ids = people(programme, 7)
    withdraw_consent(programme, ids[2])
    cycle_id = prepare(programme)
    first = page(programme, cycle_id, limit=4)
    second = page(programme, cycle_id, limit=4, after=first["next"])
    assert len(first["payments"]) == 4 and len(second["payments"]) == 2 and second["next"] is None
    seen = [p["participant_id"] for p in first["payments"] + second["payments"]]
    assert sorted(seen) == sorted(set(ids) - {ids[2]})
    release(programme, cycle_id)
    answer(programme, page(programme, cycle_id, limit=2)["payments"], "PAID")
    assert [p["status"] for p in page(programme, cycle_id, status="PAID")["payments"]] == ["PAID", "PAID"]
    assert len(page(programme, cycle_id, status="REQUESTED")["payments"]) == 4
    with programme.begin():
        left_out = allowances.left_out_page(programme, cycle_id, PageQuery(code="CONSENT_WITHDRAWN"))
    assert left_out["left_out"] == [{"participant_id": ids[2], "code": "CONSENT_WITHDRAWN",
                                     "reason": "consent withdrawn"}]
    assert view(programme, cycle_id)["left_out_counts"] == {"CONSENT_WITHDRAWN": 1}


def test_payment_ids_are_unique_without_asking_the_database():
    assert payment_id("7K3M", 0) == "A-7K3M000000" and payment_id("7K3M", 33) == "A-7K3M000011"
    assert len({payment_id("7K3M", n) for n in range(100000)}) == 100000

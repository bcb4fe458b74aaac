"""One outcome per disbursement, whatever the ledger sends: copies under new event ids
(through the inbox, as the service applies them), answers flagged as repeats, a reversal
after a payment, answers out of order, and answers for disbursements never requested; the
same, item by item, for answers in chunks (a malformed chunk is refused alone)."""
from datetime import date

import pytest
from sqlalchemy import select

from services.livelihoods import allowances, grants, ledger_answers, programmes, projections, tranches
from services.livelihoods.models import AllowancePayment, Base, Disbursement, GrantDecision, StrayAnswer
from services.livelihoods.schemas import CreateApplication, CreateProgramme, PrepareCycle
from shared.batch_events import apply_batch
from shared.contracts import (DisbursementCompleted, DisbursementFailed, DisbursementsCompleted, DisbursementsFailed,
                              ParticipantEnrolled)
from shared.errors import ValidationFailed
from shared.events import new_envelope
from shared.store import UnitOfWork
from shared.validation import parse
from tests.livelihoods.conftest import PLAN, fund, programme_command

PID = "P-7K3M9Q"
REVERSED = "the payment was reversed after it was made (ledger correction)"
INBOX = Base.metadata.tables["inbox"]


def act(session, function, *args):
    session.expire_all()  # the unit of work changes rows behind this session's back
    with session.begin():
        return function(session, *args)


@pytest.fixture
def unit(session):
    """The service's unit of work on the test's database: inbox, outbox and all."""
    unit = UnitOfWork(session.get_bind(), Base.metadata, "livelihoods")
    yield unit
    unit.close()


@pytest.fixture
def ready(session):
    act(session, programmes.create, parse(CreateProgramme, programme_command(
        [{"type": "consent_active"}], allowance={"amount": "40.00", "phases": ["AFTERCARE"]},
        starts_on="2026-09-01")), "admin", lambda *_: None)
    fund(session, "1000.00")
    act(session, projections.participant_enrolled, ParticipantEnrolled(
        participant_id=PID, district="Kismayo", gender="F", languages=["so"], phase="AFTERCARE",
        consent_active=True, enrolled_on=date(2026, 10, 1)))
    return session


@pytest.fixture
def tranche(ready) -> Disbursement:
    """An approved one-tranche grant, released: its disbursement awaits the ledger's answer."""
    with ready.begin():
        gid = grants.create(ready, parse(CreateApplication, {
            "programme": "LG-2026", "participant_id": PID, "amount": "300.00", "currency": "USD",
            "business_plan": PLAN}), "officer-a").id
    act(ready, grants.submit, gid, "officer-a")
    act(ready, grants.approve, gid, "officer-b", "officer")
    disbursement = act(ready, tranches.release, gid, "finance", lambda *_: None).disbursement
    ready.expunge(disbursement)  # a snapshot of the request, not a row that follows the database
    return disbursement


@pytest.fixture
def payment(ready) -> AllowancePayment:
    """An allowance payment of a released cycle, awaiting the ledger's answer."""
    with ready.begin():
        cycle = allowances.prepare(ready, PrepareCycle(programme="LG-2026", month="2026-11"), "finance-a",
                                   date(2026, 11, 20), 5)
    act(ready, allowances.release, cycle.id, "finance-b", lambda *_: None)
    payment = act(ready, lambda s: s.scalars(select(AllowancePayment)).one())
    ready.expunge(payment)
    return payment


def completed(row, repeat=False):
    return DisbursementCompleted(disbursement_id=row.id, idempotency_key=row.idempotency_key, rail_reference="SIM-1",
                                 amount=row.amount, currency="USD", repeat=repeat)


def failed(row, reason="wallet closed", repeat=False):
    return DisbursementFailed(disbursement_id=row.id, idempotency_key=row.idempotency_key, reason=reason,
                              repeat=repeat)


def deliver(unit, event) -> bool:
    """As the service's handler does: through the inbox, under a new event id each time."""
    handler = ledger_answers.completed if isinstance(event, DisbursementCompleted) else ledger_answers.failed
    return unit.apply_once(new_envelope("ledger", event).model_dump(mode="json"), "livelihoods.answers", handler)


def history(session, gid):
    return act(session, lambda s: [d.action for d in s.scalars(
        select(GrantDecision).where(GrantDecision.application_id == gid).order_by(GrantDecision.id))])


def status(session, model, row_id):
    return act(session, lambda s: s.get(model, row_id).status)


def test_fifty_copies_of_a_payment_give_one_disbursed_entry(ready, unit, tranche):
    for _ in range(50):
        assert deliver(unit, completed(tranche)) is True  # each copy is a new event to the inbox
    assert history(ready, tranche.application_id).count("DISBURSED") == 1
    assert act(ready, grants.load, tranche.application_id).status == "DISBURSED"


def test_a_repeat_changes_nothing_recorded(ready, unit, tranche):
    deliver(unit, completed(tranche))
    deliver(unit, completed(tranche, repeat=True))
    deliver(unit, failed(tranche, "declined", repeat=True))
    assert status(ready, Disbursement, tranche.id) == "PAID"
    assert history(ready, tranche.application_id)[-1:] == ["DISBURSED"]


def test_a_repeat_fills_in_an_answer_that_never_came(ready, unit, tranche):
    deliver(unit, completed(tranche, repeat=True))
    deliver(unit, completed(tranche))
    assert status(ready, Disbursement, tranche.id) == "PAID"
    assert history(ready, tranche.application_id).count("DISBURSED") == 1


def test_a_reversal_after_the_payment_is_applied_once(ready, unit, tranche):
    deliver(unit, completed(tranche))
    for _ in range(3):
        deliver(unit, failed(tranche, REVERSED))
    deliver(unit, completed(tranche))  # a copy of the payment arriving after its reversal
    assert status(ready, Disbursement, tranche.id) == "FAILED"
    assert history(ready, tranche.application_id)[-2:] == ["DISBURSED", "PAY_FAILED"]
    assert act(ready, grants.load, tranche.application_id).status == "DISBURSING"
    again = act(ready, tranches.release, tranche.application_id, "finance", lambda *_: None).disbursement
    assert again.idempotency_key.endswith(":t1:a2")


def test_a_reversal_arriving_before_the_payment_wins(ready, unit, tranche):
    deliver(unit, failed(tranche, REVERSED))
    deliver(unit, completed(tranche))
    assert status(ready, Disbursement, tranche.id) == "FAILED"
    assert "DISBURSED" not in history(ready, tranche.application_id)


def test_allowance_payments_take_one_outcome_too(ready, unit, payment):
    for _ in range(50):
        deliver(unit, completed(payment))
    deliver(unit, failed(payment, "declined", repeat=True))
    assert status(ready, AllowancePayment, payment.id) == "PAID"
    deliver(unit, failed(payment, REVERSED))
    deliver(unit, completed(payment))
    assert status(ready, AllowancePayment, payment.id) == "FAILED"


def test_answers_for_unknown_disbursements_are_kept_once_and_change_nothing(ready, unit, tranche):
    strangers = [DisbursementCompleted(disbursement_id="D-UNKNOWN1", idempotency_key="grant:G-X:t1:a1",
                                       rail_reference="SIM-9", amount="10.00", currency="USD"),
                 DisbursementFailed(disbursement_id="A-UNKNOWN1", idempotency_key="allowance:x", reason="no"),
                 DisbursementCompleted(disbursement_id="X-1", idempotency_key="k", rail_reference="SIM-9",
                                       amount="10.00", currency="USD"),
                 completed(tranche).model_copy(update={"idempotency_key": f"{tranche.idempotency_key}-other"})]
    for _ in range(3):
        for event in strangers:
            assert deliver(unit, event) is True
    kept = act(ready, lambda s: [(k.disbursement_id, k.outcome) for k in s.scalars(select(StrayAnswer))])
    assert sorted(kept) == sorted([("A-UNKNOWN1", "FAILED"), (tranche.id, "COMPLETED"), ("D-UNKNOWN1", "COMPLETED"),
                                   ("X-1", "COMPLETED")])
    assert status(ready, Disbursement, tranche.id) == "REQUESTED"


def chunk_body(*answers) -> dict:
    """Answers in one event, as the ledger sends a batch of the provider's results."""
    many = DisbursementsCompleted if isinstance(answers[0], DisbursementCompleted) else DisbursementsFailed
    return new_envelope("ledger", many(items=list(answers))).model_dump(mode="json")


def test_a_chunk_is_judged_item_by_item_in_one_transaction(ready, unit, payment, tranche):
    stranger = DisbursementCompleted(disbursement_id="A-UNKNOWN2", idempotency_key="allowance:y", rail_reference="S",
                                     amount="1.00", currency="USD")
    body = chunk_body(completed(payment), completed(payment, repeat=True), stranger, completed(tranche))
    assert apply_batch(unit, INBOX, [body, body], "livelihoods.answers", ledger_answers.completed) == [True, False]
    assert status(ready, AllowancePayment, payment.id) == "PAID"
    assert history(ready, tranche.application_id).count("DISBURSED") == 1
    assert act(ready, lambda s: [(k.disbursement_id, k.outcome) for k in s.scalars(select(StrayAnswer))]) == [
        ("A-UNKNOWN2", "COMPLETED")]
    assert act(ready, lambda s: s.scalars(select(INBOX.c.event_id)).all()) == [body["event_id"]]  # one row a chunk


def test_a_failed_chunk_after_a_paid_one_reverses_only_what_is_not_a_repeat(ready, unit, payment, tranche):
    apply_batch(unit, INBOX, [chunk_body(completed(payment), completed(tranche))], "livelihoods.answers",
                ledger_answers.completed)
    results = apply_batch(unit, INBOX, [chunk_body(failed(payment, REVERSED), failed(tranche, "no", repeat=True))],
                          "livelihoods.answers", ledger_answers.failed)
    assert results == [True]
    assert status(ready, AllowancePayment, payment.id) == "FAILED"
    assert status(ready, Disbursement, tranche.id) == "PAID"


def test_a_malformed_chunk_is_refused_alone_with_the_item_at_fault(ready, unit, payment):
    bad = chunk_body(completed(payment), completed(payment))
    bad["payload"]["items"][1]["idempotency_key"] = None
    good = chunk_body(completed(payment))
    refused, applied = apply_batch(unit, INBOX, [bad, good], "livelihoods.answers", ledger_answers.completed)
    assert isinstance(refused, ValidationFailed) and "items" in str(refused) and "idempotency_key" in str(refused)
    assert applied is True and status(ready, AllowancePayment, payment.id) == "PAID"

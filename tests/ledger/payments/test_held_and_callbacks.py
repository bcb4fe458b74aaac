"""A payment to someone with no verified account is HELD with the reason, never sent; the
callback endpoint refuses a bad signature with 401 and records nothing, records a result for
an unknown payment once and refuses it, and a repeated result changes nothing."""
import json

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select

from services.enrollment.service import EnrollmentService
from services.ledger.models import PaymentOrder, Posting, StrayCallbackResult
from services.ledger.payments.references import reference_id
from services.ledger.service import LedgerService
from services.provider import signing
from shared.config import load
from shared.db import make_engine
from tests.enrollment.conftest import PERSON
from tests.ledger.payments.harness import OUTBOX, TOKEN, answered, answers_in, chunks, commands
from tests.support import event_publisher, eventually

SECRET = load()["PROVIDER"]["callback_secret"]


@pytest.fixture
def ledger(config, provider, container_factory):
    config["LEDGER"]["rail"].update(provider_url=provider, test_only_synthetic_payees=False)
    for service in (EnrollmentService, LedgerService):
        container_factory(service, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    yield engine
    engine.dispose()


def test_payments_without_a_verified_account_are_held_with_the_reason_and_never_sent(config, provider, ledger):
    with ClusterRpcProxy(config) as cluster:
        enrolled = cluster.enrollment.enroll_participant(PERSON, "officer-1")["participant_id"]
    first_command, second_command = commands(2)
    items = [first_command.model_copy(update={"participant_id": enrolled}), second_command]
    event_publisher(config["AMQP_URI"], "livelihoods")(chunks(items)[0])
    eventually(lambda: answered(ledger) == 2, timeout=30)
    with ledger.connect() as conn:
        orders = {o.idempotency_key: (o.state, o.reason, o.batch_key) for o in conn.execute(select(PaymentOrder))}
        postings = {p.idempotency_key: (p.status, p.failure_reason) for p in conn.execute(select(Posting))}
        answers = answers_in(conn)
    first, second = (item.idempotency_key for item in items)
    assert orders == {first: ("HELD", "NO_PAYMENT_ACCOUNT", None), second: ("HELD", "UNKNOWN_PARTICIPANT", None)}
    assert postings == {first: ("FAILED", "NO_PAYMENT_ACCOUNT"), second: ("FAILED", "UNKNOWN_PARTICIPANT")}
    assert sorted((a["type"], a["reason"]) for a in answers) == [
        ("disbursement.failed", "NO_PAYMENT_ACCOUNT"), ("disbursement.failed", "UNKNOWN_PARTICIPANT")]
    asked = requests.post(f"{provider}/v1/payments/status", headers={"Authorization": f"Bearer {TOKEN}"},
                          json={"reference_ids": [reference_id("SimMobile", k) for k in (first, second)]}, timeout=5)
    assert asked.json()["payments"] == []  # never sent


def post_callback(config, body: bytes, headers: dict) -> requests.Response:
    return requests.post(config["LEDGER"]["rail"]["callback_url"], data=body, timeout=5,
                         headers={"Content-Type": "application/json", **headers})


def result(reference: str, status: str = "SUCCESSFUL") -> dict:
    return {"reference_id": reference, "batch_id": "B-x", "status": status, "reason": None, "amount": "40.00",
            "fee": "0.50", "currency": "USD", "financial_transaction_id": "R1", "completed_at": None}


def state(engine) -> tuple:
    with engine.connect() as conn:
        return (sorted(tuple(row) for row in conn.execute(select(PaymentOrder.reference_id, PaymentOrder.state,
                                                                 PaymentOrder.result))),
                conn.scalar(select(func.count()).select_from(StrayCallbackResult)))


@pytest.fixture
def quiet_ledger(config, provider, container_factory):
    """The ledger with a provider whose own callbacks never come: the test sends them."""
    requests.post(f"{provider}/_faults", json={"lost_callback_rate": 1.0},
                  headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).raise_for_status()
    config["LEDGER"]["rail"].update(provider_url=provider, overdue_seconds=600)
    container_factory(LedgerService, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    yield engine
    engine.dispose()


def test_the_callback_endpoint_refuses_bad_signatures_and_unknown_payments_and_ignores_repeats(config, quiet_ledger):
    [item] = commands(1)
    event_publisher(config["AMQP_URI"], "livelihoods")(chunks([item])[0])
    known = reference_id("SimMobile", item.idempotency_key)
    eventually(lambda: state(quiet_ledger)[0] == [(known, "SENT", None)], timeout=30)
    before = state(quiet_ledger)

    body = json.dumps({"batch_id": "B-x", "callback_id": "cb-1", "results": [result(known)]}).encode()
    assert post_callback(config, body, {}).status_code == 401
    assert post_callback(config, body, signing.sign("another secret", body)).status_code == 401
    tampered = body.replace(b"SUCCESSFUL", b"FAILED")
    assert post_callback(config, tampered, signing.sign(SECRET, body)).status_code == 401
    assert post_callback(config, body, signing.sign(SECRET, body, timestamp=1)).status_code == 401
    assert state(quiet_ledger) == before and answered(quiet_ledger) == 0

    stray = json.dumps({"batch_id": "B-x", "callback_id": "cb-2", "results": [result("SIMNOSUCHPAYMENT")]}).encode()
    for _ in range(2):
        refused = post_callback(config, stray, signing.sign(SECRET, stray))
        assert refused.status_code == 200 and refused.json()["refused"] == ["SIMNOSUCHPAYMENT"]
    assert state(quiet_ledger) == (before[0], 1)

    assert post_callback(config, body, signing.sign(SECRET, body)).json() == {"recorded": 1, "unchanged": 0,
                                                                              "refused": []}
    failed_later = json.dumps({"batch_id": "B-x", "callback_id": "cb-3", "results": [result(known, "FAILED")]}).encode()
    for repeat in (body, failed_later):
        assert post_callback(config, repeat, signing.sign(SECRET, repeat)).json()["unchanged"] == 1
    eventually(lambda: answered(quiet_ledger) == 1, timeout=30)
    with quiet_ledger.connect() as conn:
        assert conn.scalar(select(Posting.status)) == "PAID"
        assert conn.scalar(select(func.count()).select_from(OUTBOX)) == 1

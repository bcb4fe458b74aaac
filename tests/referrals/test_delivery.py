"""Referral delivery from the livelihoods service (a real nameko container over RabbitMQ)
to a real partner HTTP server on 127.0.0.1: what the partner receives, timeouts, retries
with backoff, failures kept for a later retry. Timeout 0.3 s, 3 retries (conftest)."""
import hashlib
import hmac
import json

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy.orm import Session

from services.livelihoods.referral_models import Referral
from services.livelihoods.service import LivelihoodsService
from shared.db import make_engine
from shared.errors import IllegalTransition
from tests.referrals.conftest import FAST, PID, enrolled
from tests.referrals.partner_server import PartnerServer

ATTEMPTS = FAST["retries"] + 1
PSEUDONYMOUS = {"referral_id", "participant_id", "district", "gender", "product", "livelihood_trade"}


@pytest.fixture
def engine(config):
    engine = make_engine(config["DATABASES"]["livelihoods"])
    with Session(engine, expire_on_commit=False) as session:
        enrolled(session)
    yield engine
    engine.dispose()


@pytest.fixture
def container(config, container_factory, engine):
    container = container_factory(LivelihoodsService, config)
    container.start()
    return container


def call(container, method, *args):
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


def add_partner(container, server, code="KMFI", **extra):
    return call(container, "create_partner", {
        "code": code, "name": "Kismayo Microfinance", "products": ["group loan"], "districts": ["Kismayo"],
        "eligibility_notes": "", "api_url": server.url, **extra}, "admin")


def refer(container, partner="KMFI"):
    return call(container, "create_referral", {
        "participant_id": PID, "partner": partner, "product": "group loan", "trade": "tailoring",
        "data_sharing_consent": {"given_on": "2026-10-01"}}, "officer-k")


def test_an_accepting_partner_receives_only_pseudonymous_fields(container, engine):
    def row_as_seen_from_outside(body):
        with Session(engine) as session:
            referral = session.get(Referral, body["referral_id"])
            return referral and (referral.status, referral.delivery_status)

    with PartnerServer(["ok"], on_request=row_as_seen_from_outside) as server:
        created = add_partner(container, server, api_token="partner-issued-token-123")
        referral = refer(container)
    assert referral["status"] == "REFERRED"
    assert referral["delivery"]["status"] == "DELIVERED" and referral["delivery"]["attempts"] == 1
    [request] = server.received
    assert set(request["body"]) == PSEUDONYMOUS
    assert request["body"] == {"referral_id": referral["referral_id"], "participant_id": PID, "district": "Kismayo",
                               "gender": "F", "product": "group loan", "livelihood_trade": "tailoring"}
    headers = request["headers"]
    assert headers["Idempotency-Key"] == referral["referral_id"]
    assert headers["Authorization"] == "Bearer partner-issued-token-123"
    assert headers["X-DDRR-Signature"] == "sha256=" + hmac.new(
        created["webhook_secret"].encode(), request["raw"], hashlib.sha256).hexdigest()
    # committed before the partner was called: another connection saw it, pending
    assert server.observed == [("REFERRED", "PENDING")]
    # neither the secret nor the token leaves the service again
    later = json.dumps([call(container, "list_partners"), call(container, "get_referral", referral["referral_id"])])
    assert created["webhook_secret"] not in later and "partner-issued-token-123" not in later


def test_a_partner_that_times_out_fails_after_every_retry(container):
    with PartnerServer(["sleep"], sleep_seconds=1.0) as server:
        add_partner(container, server)
        referral = refer(container)
    assert referral["status"] == "REFERRED"
    assert referral["delivery"]["status"] == "FAILED"
    assert referral["delivery"]["attempts"] == ATTEMPTS == len(server.received)
    assert referral["delivery"]["error"] == f"timed out after {ATTEMPTS} attempts"
    assert {r["headers"]["Idempotency-Key"] for r in server.received} == {referral["referral_id"]}


def test_a_server_error_is_retried_until_it_succeeds(container):
    with PartnerServer(["500", "500", "ok"]) as server:
        add_partner(container, server)
        referral = refer(container)
    assert referral["delivery"]["status"] == "DELIVERED" and referral["delivery"]["attempts"] == 3
    assert len(server.received) == 3
    assert {r["headers"]["Idempotency-Key"] for r in server.received} == {referral["referral_id"]}


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_a_failing_partner_fails_then_a_retry_delivers(container):
    with PartnerServer(["500"]) as server:
        add_partner(container, server)
        referral = refer(container)
        rid = referral["referral_id"]
        assert referral["delivery"]["status"] == "FAILED" and referral["delivery"]["attempts"] == ATTEMPTS
        assert referral["delivery"]["error"] == f"partner answered HTTP 500 after {ATTEMPTS} attempts"
        assert call(container, "get_referral", rid)["delivery"]["status"] == "FAILED"
        server.answer("ok")  # the partner recovers
        retried = call(container, "retry_referral_delivery", rid)
    assert retried["delivery"] == {**retried["delivery"], "status": "DELIVERED", "attempts": ATTEMPTS + 1,
                                   "error": None}
    assert retried["status"] == "REFERRED" and len(server.received) == ATTEMPTS + 1
    with pytest.raises(IllegalTransition):
        call(container, "retry_referral_delivery", rid)  # delivered: nothing to retry


def test_a_partner_nobody_answers_for(container):
    with PartnerServer(["ok"]) as server:
        pass  # closed again: its port refuses connections
    call(container, "create_partner", {"code": "GONE", "name": "Gone Bank", "products": ["group loan"],
                                       "districts": ["Kismayo"], "api_url": server.url}, "admin")
    referral = refer(container, "GONE")
    assert referral["delivery"]["status"] == "FAILED" and referral["delivery"]["attempts"] == ATTEMPTS
    assert referral["delivery"]["error"] == f"could not connect after {ATTEMPTS} attempts"

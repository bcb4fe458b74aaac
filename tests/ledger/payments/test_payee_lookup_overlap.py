"""The sending loop does not stand still while enrollment looks up the next batch's payees:
the answers of batches already paid are posted meanwhile (a 100,000 cycle asks 100 times)."""
import time

import eventlet
import pytest
from nameko.rpc import rpc
from sqlalchemy import select

from services.ledger.models import PaymentOrder, Posting
from services.ledger.service import LedgerService
from shared.db import make_engine
from shared.payees import MOBILE_MONEY
from tests.ledger.payments.harness import chunks, commands
from tests.support import event_publisher, eventually

SLOW_SECONDS = 6.0


class SlowEnrollment:
    """Answers the first lookup at once and every later one after `SLOW_SECONDS`."""
    name = "enrollment"
    asked: list[list[str]] = []

    @rpc
    def resolve_payees(self, participant_ids):
        SlowEnrollment.asked.append(participant_ids)
        if len(SlowEnrollment.asked) > 1:
            eventlet.sleep(SLOW_SECONDS)
        return {pid: {"verified": True, "kind": MOBILE_MONEY, "msisdn": "256700000001"} for pid in participant_ids}


@pytest.fixture
def ledger(config, provider, container_factory):
    SlowEnrollment.asked = []
    config["LEDGER"]["rail"].update(provider_url=provider, test_only_synthetic_payees=False, batch_size=1)
    for service in (SlowEnrollment, LedgerService):
        container_factory(service, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    yield engine
    engine.dispose()


def paid(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(Posting.participant_id).where(Posting.status == "PAID")))


def test_answers_are_posted_while_enrollment_is_still_looking_up_payees(config, ledger):
    first, second = commands(2)
    event_publisher(config["AMQP_URI"], "livelihoods")(chunks([first, second])[0])
    eventually(lambda: len(SlowEnrollment.asked) == 2, timeout=30)
    asked_again = time.monotonic()
    eventually(lambda: paid(ledger) == {first.participant_id}, timeout=30)
    assert time.monotonic() - asked_again < SLOW_SECONDS - 1  # not after the second lookup ended
    eventually(lambda: paid(ledger) == {first.participant_id, second.participant_id}, timeout=30)
    assert SlowEnrollment.asked == [[first.participant_id], [second.participant_id]]


class FailingOnceEnrollment:
    """The first lookup fails (enrollment restarting, say); the next ones answer."""
    name = "enrollment"
    asked: list[list[str]] = []

    @rpc
    def resolve_payees(self, participant_ids):
        FailingOnceEnrollment.asked.append(participant_ids)
        if len(FailingOnceEnrollment.asked) == 1:
            raise RuntimeError("enrollment is not ready")
        return {pid: {"verified": True, "kind": MOBILE_MONEY, "msisdn": "256700000001"} for pid in participant_ids}


def test_a_failed_lookup_leaves_the_orders_to_be_asked_for_again_and_paid_once(config, provider, container_factory):
    FailingOnceEnrollment.asked = []
    config["LEDGER"]["rail"].update(provider_url=provider, test_only_synthetic_payees=False)
    for service in (FailingOnceEnrollment, LedgerService):
        container_factory(service, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    try:
        items = commands(3)
        event_publisher(config["AMQP_URI"], "livelihoods")(chunks(items)[0])
        eventually(lambda: paid(engine) == {item.participant_id for item in items}, timeout=30)
        with engine.connect() as conn:
            batches = set(conn.scalars(select(PaymentOrder.batch_key)))
    finally:
        engine.dispose()
    assert len(FailingOnceEnrollment.asked) == 2 and FailingOnceEnrollment.asked[0] == FailingOnceEnrollment.asked[1]
    assert len(batches) == 1  # sent once, after the second lookup

"""A cycle through the ledger service and a real provider process: every payment sent in
batches, answered by signed callbacks (or the poller), posted once per idempotency key and
paid at most once at the provider, whatever the provider does wrong."""
import pytest
from sqlalchemy import func, select

from services.ledger.models import PaymentOrder
from services.ledger.service import LedgerService
from shared.db import make_engine
from tests.ledger.payments.harness import answered, assert_paid_once, cycle, faults
from tests.support import event_publisher, eventually


@pytest.fixture
def ledger(config, provider, container_factory):
    config["LEDGER"]["rail"]["provider_url"] = provider
    container = container_factory(LedgerService, config)
    container.start()
    engine = make_engine(config["DATABASES"]["ledger"])
    yield engine
    engine.dispose()


def release(config, n: int) -> None:
    publish = event_publisher(config["AMQP_URI"], "livelihoods")
    for envelope in cycle(n):
        publish(envelope)


def test_a_cycle_of_3000_is_paid_exactly_once(config, provider, ledger):
    release(config, 3000)
    eventually(lambda: answered(ledger) == 3000, timeout=240, interval=1)
    statuses = assert_paid_once(ledger, config["LEDGER"]["directory"], provider, 3000)
    assert statuses["PAID"] > 2800 and statuses["FAILED"] > 0  # the provider's usual failures, reversed


@pytest.mark.parametrize("switches", [
    {"timeout_rate": 0.4, "timeout_seconds": 3},
    {"error_rate": 0.4},
    {"duplicate_callback_rate": 1.0},
    {"out_of_order_rate": 0.5, "out_of_order_delay_seconds": 1.0},
    {"lost_callback_rate": 1.0},
], ids=["timeouts", "500s", "every-callback-twice", "out-of-order", "callbacks-lost"])
def test_a_faulty_provider_still_pays_each_once(config, provider, ledger, switches):
    faults(provider, **switches)
    release(config, 1200)
    eventually(lambda: answered(ledger) == 1200, timeout=240, interval=1)
    faults(provider, timeout_rate=0, error_rate=0)  # the statement is read without faults
    assert_paid_once(ledger, config["LEDGER"]["directory"], provider, 1200)


def test_batches_in_flight_together_one_answered_500_the_others_not_pay_each_once(config, provider,
                                                                                   container_factory):
    config["LEDGER"]["rail"].update(provider_url=provider, batch_size=100, batches_in_flight=4, retries=0)
    container_factory(LedgerService, config).start()
    engine = make_engine(config["DATABASES"]["ledger"])
    faults(provider, error_rate=0.3)  # about one POST in three fails, beside others that succeed
    release(config, 1000)
    eventually(lambda: answered(engine) == 1000, timeout=240, interval=1)
    faults(provider, error_rate=0)
    with engine.connect() as conn:  # some batches were refused and sent again, under the same keys
        assert conn.scalar(select(func.max(PaymentOrder.attempts))) >= 2
    assert_paid_once(engine, config["LEDGER"]["directory"], provider, 1000)
    engine.dispose()

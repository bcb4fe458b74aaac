"""RabbitMQ restarted in the middle of a cycle: the suite's processes, pointed at the private
node, ride it out by themselves (none restarted by hand, none exits) and every participant
is paid exactly once."""
import time

from bench.running_suite import RunningSuite
from tests.e2e.cycle_scenario import assert_exactly_once, prepared_cycle, scalar, settled, wait_settled
from tests.ports import free_port

PEOPLE = 2000


def sent(suite: RunningSuite) -> int:
    """Payments the ledger's adapter has sent to the provider."""
    return scalar(suite.database("ledger"), "SELECT count(*) FROM payment_orders WHERE state IN ('SENT', 'RECEIVED')")


def test_broker_restarted_mid_cycle_pays_everyone_once(tmp_path, private_rabbitmq, private_rabbit_config):
    # the provider answers 5 s after a batch: the broker goes down while payments are being
    # sent, and the answers are posted, published and settled around its restart
    suite = RunningSuite(tmp_path, private_rabbit_config["AMQP_URI"], ports=free_port, PROVIDER_CALLBACK_DELAY="5")
    suite.start()
    try:
        pids = suite.pids()
        finance, cycle_id = prepared_cycle(suite, PEOPLE)
        finance.post(f"/allowances/cycles/{cycle_id}/release", expect=202)
        deadline = time.monotonic() + 60
        while sent(suite) < PEOPLE // 10:
            assert time.monotonic() < deadline, "no payment was sent within 60 s"
            time.sleep(0.05)
        assert settled(suite) < PEOPLE, "the cycle finished before the broker went down"
        private_rabbitmq.restart(down_seconds=3)
        wait_settled(suite, PEOPLE, seconds=90)
        assert_exactly_once(suite, cycle_id, finance, PEOPLE)
        assert sorted(suite.alive()) == sorted(pids) and suite.pids() == pids
    finally:
        suite.stop()

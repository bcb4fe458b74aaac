"""A power cut in the middle of a cycle: every process of the suite (provider, enrollment,
livelihoods, ledger, mentorship, gateway) SIGKILLed at once while payments are in flight,
then started again on the same data; every participant is paid exactly once and nothing is
left waiting."""
import time

from bench.running_suite import RunningSuite
from tests.e2e.cycle_scenario import answered, assert_exactly_once, prepared_cycle, settled, wait_settled
from tests.ports import free_port

PEOPLE = 2000


def test_every_process_killed_mid_cycle_then_restarted_pays_everyone_once(tmp_path, rabbit_config):
    suite = RunningSuite(tmp_path, rabbit_config["AMQP_URI"], ports=free_port, PROVIDER_CALLBACK_DELAY="0.5")
    suite.start()
    try:
        finance, cycle_id = prepared_cycle(suite, PEOPLE)
        finance.post(f"/allowances/cycles/{cycle_id}/release", expect=202)
        deadline = time.monotonic() + 60
        while answered(suite) < PEOPLE // 10:  # the ledger is posting answers: payments are in flight
            assert time.monotonic() < deadline, "no payment was answered within 60 s"
            time.sleep(0.05)
        suite.kill()
        cut_at = settled(suite)
        assert cut_at < PEOPLE, "the cycle finished before the cut"
        suite.start()
        wait_settled(suite, PEOPLE, seconds=90)
        assert_exactly_once(suite, cycle_id, finance, PEOPLE)
        assert sorted(suite.alive()) == sorted(suite.pids())
    finally:
        suite.stop()

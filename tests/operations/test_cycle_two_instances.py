"""The suite as it is deployed, on PostgreSQL: two instances of every service on the same queues
(the ledger: a writer and its standby on one folder; the provider, an outside system, one).
One instance of each SIGKILLed while an allowance cycle's payments are in flight: the other
instances carry on, the standby takes over the writing, and every participant is paid exactly
once, the cycle's totals those it declared, the ledger verifying clean."""
import time

from bench.running_suite import RunningSuite
from tests.e2e.cycle_scenario import answered, assert_exactly_once, prepared_cycle, settled, wait_settled
from tests.operations.support import metric
from tests.ports import free_port

PEOPLE = 2000
ACTIVE = "ddrr_ledger_writer_active"
SECOND = ("enrollment-2", "livelihoods-2", "mentorship-2", "gateway-2")  # the first gateway is the test's


def writer(suite: RunningSuite) -> tuple[str, str]:
    """The ledger process that writes and the one that waits."""
    active = {name: metric(suite.metrics_url(name), ACTIVE) for name in ("ledger", "ledger-2")}
    assert sorted(active.values()) == [0, 1], active
    return tuple(sorted(active, key=lambda name: -active[name]))


def test_one_instance_of_each_service_killed_mid_cycle_pays_everyone_once(tmp_path, rabbit_config):
    suite = RunningSuite(tmp_path, rabbit_config["AMQP_URI"], instances=2, postgres=True, ports=free_port,
                         PROVIDER_CALLBACK_DELAY="0.5")
    try:
        suite.start()
        finance, cycle_id = prepared_cycle(suite, PEOPLE)
        writing, standby = writer(suite)
        finance.post(f"/allowances/cycles/{cycle_id}/release", expect=202)
        deadline = time.monotonic() + 60
        while answered(suite) < PEOPLE // 10:  # the ledger is posting answers: payments are in flight
            assert time.monotonic() < deadline, "no payment was answered within 60 s"
            time.sleep(0.05)
        killed = (writing, *SECOND)
        for name in killed:
            suite.processes[name].kill()
            suite.processes[name].wait(10)
        assert settled(suite) < PEOPLE, "the cycle finished before the kill"

        wait_settled(suite, PEOPLE, seconds=120)
        assert_exactly_once(suite, cycle_id, finance, PEOPLE)
        assert metric(suite.metrics_url(standby), ACTIVE) == 1
        assert "taken over from the one that ended" in (tmp_path / f"{standby}.log").read_text()
        assert sorted(suite.alive()) == sorted(set(suite.pids()) - set(killed))
    finally:
        suite.stop()
        suite.drop_databases()

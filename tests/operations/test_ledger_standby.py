"""Two ledger processes on one ledger folder and database: one writes, the other waits as its
standby without consuming anything; the writer SIGKILLed in the middle of a stream of
disbursement requests, the standby takes over, and every request is posted and paid exactly
once in files that verify clean. Also the lock itself: a second holder waits until the first ends."""
import select
import subprocess
import sys

from bench.running_suite import drop, fresh_database
from services.ledger.verification.verify import verify
from shared.contracts import DisbursementsRequested
from shared.db import make_engine
from shared.events import new_envelope
from tests.ledger.payments.harness import answered, assert_paid_once, commands, spawn_provider
from tests.operations.support import Processes
from tests.support import event_publisher

PAYMENTS = 600
CHUNK = 25  # requests per message: a stream of 24 messages
ACTIVE = "ddrr_ledger_writer_active"
HOLD = """
import sys, time
from services.ledger.writer_lock import WriterLock
WriterLock(sys.argv[1]).acquire()
print("holding", flush=True)
time.sleep(60)
"""


def test_the_standby_takes_over_when_the_writer_is_killed_and_each_request_is_posted_once(tmp_path, rabbit_config):
    url, ledger_dir = fresh_database(), tmp_path / "ledger"
    provider, provider_url = spawn_provider(tmp_path / "provider")
    processes = Processes(tmp_path, rabbit_config["AMQP_URI"], LEDGER_DATABASE_URL=url, LEDGER_DIR=str(ledger_dir),
                          PROVIDER_URL=provider_url)
    engine = make_engine(url)
    try:
        ledgers = [processes.serve("ledger") for _ in range(2)]
        processes.wait(lambda: processes.consumers("rpc-ledger") == 1 and all(i.ready() for i in ledgers),
                       "one ledger consuming, both ready")
        (writer,) = [i for i in ledgers if i.metric(ACTIVE) == 1]
        (standby,) = [i for i in ledgers if i is not writer]
        assert standby.metric(ACTIVE) == 0

        publish = event_publisher(processes.amqp_uri, "livelihoods")
        requests = commands(PAYMENTS, "C-STBY")
        for start in range(0, PAYMENTS, CHUNK):
            publish(new_envelope("livelihoods", DisbursementsRequested(items=requests[start:start + CHUNK])))
            if start == PAYMENTS // 3:  # mid-stream: some posted, the rest still coming
                processes.wait(lambda: answered(engine) > 0, "a first payment answered")
                writer.process.kill()
                writer.process.wait(10)
        processes.wait(lambda: standby.metric(ACTIVE) == 1 and processes.consumers("rpc-ledger") == 1,
                       "the standby writing and consuming")
        processes.wait(lambda: answered(engine) == PAYMENTS, "every payment answered", seconds=180)

        statuses = assert_paid_once(engine, str(ledger_dir), provider_url, PAYMENTS)
        assert sum(statuses.values()) == PAYMENTS
        assert verify(str(ledger_dir)).ok
        assert "taken over from the one that ended" in standby.log.read_text()
    finally:
        engine.dispose()
        processes.stop()
        provider.terminate()
        provider.wait(10)
        drop(url)


def said_holding(process: subprocess.Popen, seconds: float) -> bool:
    return bool(select.select([process.stdout], [], [], seconds)[0]) and process.stdout.readline() == "holding\n"


def test_a_second_holder_of_the_writer_lock_waits_until_the_first_ends(tmp_path):
    holders = [subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)]
    try:
        assert said_holding(holders[0], 30)
        holders.append(subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True))
        assert not said_holding(holders[1], 3)
        holders[0].kill()
        assert said_holding(holders[1], 10)
    finally:
        for holder in holders:
            holder.kill()
            holder.wait(10)

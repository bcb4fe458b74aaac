"""Two instances of enrollment and of livelihoods (`ddrr serve`, each its own process) on one
PostgreSQL database each and the same RabbitMQ queues: both instances of each take a share of
the work, the two enrollment relays publish each event once, and an event delivered twice
changes livelihoods once (its inbox absorbs the second)."""
import json

from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from bench.enrollment_import import letters
from bench.running_suite import drop, fresh_database
from shared.db import make_engine
from shared.events import Envelope
from tests.operations.support import Processes
from tests.support import event_publisher

PEOPLE = 30
HANDLED = "ddrr_messages_handled_total"
ENROLLED_QUEUE = "evt-enrollment-participant.enrolled--livelihoods.on_participant_enrolled"


def person(i: int) -> dict:
    return {"full_name": f"Person {letters(i)} Twin", "phone": f"+252 61 {i:07d}", "national_id": f"NID-{i:08d}",
            "date_of_birth": "1990-01-01", "gender": "FM"[i % 2], "district": "Kismayo", "languages": ["so"],
            "livelihood_interest": "tailoring", "clearance_reference": f"NSC-{i}",
            "consent": {"given_on": "2026-09-01"}}


def rows(url: str, sql: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def shares(instances, handler: str) -> list[float]:
    return [instance.metric(HANDLED, handler=handler) for instance in instances]


def test_two_instances_of_each_service_share_the_queues_and_apply_each_event_once(tmp_path, rabbit_config):
    urls = {"enrollment": fresh_database(), "livelihoods": fresh_database()}
    processes = Processes(tmp_path, rabbit_config["AMQP_URI"], ENROLLMENT_DATABASE_URL=urls["enrollment"],
                          LIVELIHOODS_DATABASE_URL=urls["livelihoods"])
    try:
        enrollment = [processes.serve("enrollment") for _ in range(2)]
        livelihoods = [processes.serve("livelihoods") for _ in range(2)]
        processes.wait(lambda: processes.consumers("rpc-enrollment") == 2 and processes.consumers(ENROLLED_QUEUE) == 2,
                       "two consumers on enrollment's RPC queue and on livelihoods' enrollment events")
        processes.wait(lambda: all(instance.ready() for instance in enrollment + livelihoods), "every instance ready")

        with ClusterRpcProxy({"AMQP_URI": processes.amqp_uri}) as cluster:
            for i in range(PEOPLE):
                assert cluster.enrollment.enroll_participant(person(i), "officer-1")["status"] == "CREATED"
        processes.wait(lambda: sum(shares(livelihoods, "on_participant_enrolled")) >= PEOPLE, "every event handled")

        assert sum(shares(enrollment, "enroll_participant")) == PEOPLE
        assert all(shares(enrollment, "enroll_participant")), "one enrollment instance took no RPC"
        assert all(shares(livelihoods, "on_participant_enrolled")), "one livelihoods instance took no event"
        (outbox,) = rows(urls["enrollment"], "SELECT count(*), count(published_at) FROM outbox "
                                             "WHERE event_type = 'participant.enrolled'")
        assert tuple(outbox) == (PEOPLE, PEOPLE)
        assert sum(shares(livelihoods, "on_participant_enrolled")) == PEOPLE  # no event published twice

        (first,) = rows(urls["enrollment"], "SELECT body FROM outbox ORDER BY id LIMIT 1")
        event_publisher(processes.amqp_uri, "enrollment")(Envelope.model_validate(json.loads(first.body)))
        processes.wait(lambda: sum(shares(livelihoods, "on_participant_enrolled")) == PEOPLE + 1, "the repeat handled")
        (inbox,) = rows(urls["livelihoods"], "SELECT count(*), count(DISTINCT event_id) FROM inbox "
                                             "WHERE consumer = 'livelihoods.participant_enrolled'")
        assert tuple(inbox) == (PEOPLE, PEOPLE)
        assert rows(urls["livelihoods"], "SELECT count(*) FROM participant_facts")[0][0] == PEOPLE
        repeats = [line for instance in livelihoods for line in instance.log.read_text().splitlines()
                   if "already applied by livelihoods.participant_enrolled" in line]
        assert len(repeats) == 1, repeats
    finally:
        processes.stop()
        for url in urls.values():
            drop(url)

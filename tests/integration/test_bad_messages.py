"""Bad messages are never lost: every service runs over the real RabbitMQ and malformed
messages are published straight to each of their event queues. kombu alone would ack and
drop what it cannot decode; here each one is in the dead-letter queue with its reason, its
queue and the time, as `ddrr dlq list` shows, and replay and discard work on one or all."""
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone

from kombu import Connection, Exchange, Producer

from shared.dead_letters import discard_dead_letters, list_dead_letters, replay_dead_letters
from shared.handlers import ReliableEventHandler
from tests.conftest import ALL_SERVICES
from tests.support import eventually


NAME, PHONE = "Amina Hassan Warsame", "+252 61 555 0101"


def malformed(event_type: str) -> dict[str, tuple[bytes, str, str]]:
    """What a careless publisher sends: kind -> (body, content type, the reason's beginning)."""
    envelope = {"event_id": str(uuid.uuid4()), "type": event_type, "version": 1,
                "occurred_at": datetime.now(timezone.utc).isoformat(), "source": "test", "payload": {}}
    return {
        "not JSON": (b"{not json", "application/json", "cannot decode a application/json body"),
        "wrong content type": (json.dumps(envelope).encode(), "text/plain", "cannot decode a text/plain body"),
        "wrong envelope": (b'{"hello": "world"}', "application/json", "ValidationFailed: malformed event"),
        "invalid payload": (json.dumps(envelope).encode(), "application/json", "ValidationFailed: malformed event"),
        "nested too deep": (b"[" * 5000, "application/json", "cannot decode a application/json body"),
        "personal data": (json.dumps({"type": event_type, "full_name": NAME, "phone": PHONE}).encode(),
                          "application/json", "ValidationFailed: malformed event"),
    }


def event_queues(runner) -> dict[str, str]:
    """Every event queue of every service: queue name -> the event type it takes."""
    return {entrypoint.queue.name: entrypoint.event_type for container in runner.containers
            for entrypoint in container.entrypoints if isinstance(entrypoint, ReliableEventHandler)}


def ddrr(amqp_uri: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True,
                            env={**os.environ, "AMQP_URI": amqp_uri}, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_malformed_message_is_dead_lettered_with_its_reason(config, runner_factory, caplog):
    runner = runner_factory(config, *ALL_SERVICES)
    runner.start()
    queues = event_queues(runner)
    assert len(queues) >= 10 and any("ledger" in queue for queue in queues)
    uri = config["AMQP_URI"]
    expected = {}
    with Connection(uri) as conn:
        producer = Producer(conn.channel(), exchange=Exchange(""))
        for queue, event_type in queues.items():
            for kind, (body, content_type, reason) in malformed(event_type).items():
                producer.publish(body, routing_key=queue, content_type=content_type, content_encoding="utf-8",
                                 delivery_mode=2)
                expected[queue, kind] = reason

    letters = eventually(lambda: len(found := list_dead_letters(uri)) == len(expected) and found, timeout=60)
    by_queue = {}
    for letter in letters:
        by_queue.setdefault(letter.queue, []).append(letter.reason)
        assert datetime.fromisoformat(letter.time) <= datetime.now(timezone.utc)
    for queue in queues:
        wanted = sorted(reason for (where, _kind), reason in expected.items() if where == queue)
        got = sorted(by_queue.get(queue, []))
        assert len(got) == len(wanted) and all(g.startswith(w) for g, w in zip(got, wanted)), (queue, got)

    listed = ddrr(uri, "dlq", "list")
    assert all(letter.letter_id in listed and letter.queue in listed for letter in letters)
    assert "cannot decode a text/plain body" in listed and "ValidationFailed: malformed event" in listed
    for said in (listed, caplog.text, *(letter.reason for letter in letters)):  # a refusal never repeats the body
        assert "Warsame" not in said and "555 0101" not in said

    not_json = next(letter for letter in letters if "cannot decode a application/json" in letter.reason)
    assert replay_dead_letters(uri, not_json.letter_id) == 1  # fails again: back, with a new id
    back = eventually(lambda: [d for d in list_dead_letters(uri) if d.letter_id not in {x.letter_id for x in letters}])
    assert [(d.queue, d.reason) for d in back] == [(not_json.queue, not_json.reason)]

    assert discard_dead_letters(uri, back[0].letter_id) == 1
    assert len(list_dead_letters(uri)) == len(expected) - 1
    assert ddrr(uri, "dlq", "discard", "--all") == f"discarded {len(expected) - 1} message(s)\n"
    assert list_dead_letters(uri) == []
    assert all(not container._died.ready() for container in runner.containers)

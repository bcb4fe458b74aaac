"""Operator access to the dead-letter queue: see what failed and why, put it back, or discard it.

Each letter has a short id (`x-ddrr-letter-id`, given when it was dead-lettered; a hash of
the message for one the broker dead-lettered itself), so replay and discard can pick one.
A replayed message goes to the queue it was dead-lettered from (not back through the
exchange), so only the consumer that failed sees it again; its inbox makes a replay of
something already applied a no-op. Bodies are never decoded by content type: a letter
may be exactly the message that could not be decoded.
"""
import hashlib
import json
from dataclasses import dataclass

from kombu import Connection, Exchange, Producer

from shared.dead_lettering import DEAD_LETTER_QUEUE, LETTER_ID, QUEUE, REASON, TIME


@dataclass(frozen=True)
class DeadLetter:
    letter_id: str
    queue: str
    time: str
    event_type: str
    event_id: str
    reason: str


def _event_fields(raw: bytes) -> tuple[str, str]:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # a letter may be exactly the body that could not be read
        return "?", "?"
    if not isinstance(body, dict):
        return "?", "?"
    return str(body.get("type", "?")), str(body.get("event_id", "?"))


def _describe(message) -> DeadLetter:
    headers = message.headers or {}
    death = (headers.get("x-death") or [{}])[0]
    letter_id = headers.get(LETTER_ID) or hashlib.sha256(repr(death).encode() + message.body).hexdigest()[:12]
    event_type, event_id = _event_fields(message.body)
    return DeadLetter(letter_id=letter_id, queue=headers.get(QUEUE) or death.get("queue", "?"),
                      time=str(headers.get(TIME) or death.get("time", "?")), event_type=event_type,
                      event_id=event_id, reason=headers.get(REASON) or death.get("reason", "?"))


def _waiting_letters(channel):
    """Every letter waiting now, each with its message held unacknowledged: what the caller
    does not ack goes back to the queue when the channel closes."""
    queue = DEAD_LETTER_QUEUE(channel)
    queue.declare()
    _name, waiting, _consumers = queue.queue_declare(passive=True)
    for _ in range(waiting):
        message = queue.get(no_ack=False, accept=None)
        if message is None:
            return
        yield _describe(message), message


def list_dead_letters(amqp_uri: str) -> list[DeadLetter]:
    """Peek: every letter is read and left on the queue."""
    with Connection(amqp_uri) as conn:
        return [letter for letter, _message in _waiting_letters(conn.channel())]


def _settle_letters(amqp_uri: str, letter_id: str | None, replay: bool) -> int:
    """Replay or discard one letter (by id) or all (`letter_id` None); returns how many."""
    done = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        producer = Producer(channel, exchange=Exchange(""))
        for letter, message in _waiting_letters(channel):
            if letter_id not in (None, letter.letter_id):
                continue
            if replay:
                headers = {k: v for k, v in message.headers.items()
                           if k != "x-death" and k not in (REASON, QUEUE, TIME, LETTER_ID)}
                producer.publish(message.body, routing_key=letter.queue, headers=headers,
                                 content_type=message.content_type or "application/octet-stream",
                                 content_encoding=message.content_encoding or "binary",
                                 delivery_mode=2, mandatory=True)  # an unknown queue is an error, not a drop
            message.ack()
            done += 1
    return done


def replay_dead_letters(amqp_uri: str, letter_id: str | None = None) -> int:
    """A replayed message that fails again comes back with a new id and reason."""
    return _settle_letters(amqp_uri, letter_id, replay=True)


def discard_dead_letters(amqp_uri: str, letter_id: str | None = None) -> int:
    return _settle_letters(amqp_uri, letter_id, replay=False)

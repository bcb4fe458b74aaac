"""Operator access to the dead-letter queue: look at what failed, put it back.

A replayed message goes to the queue it was rejected from (not back through the
exchange), so only the consumer that failed sees it again; its inbox makes a replay of
something already applied a no-op.
"""
from dataclasses import dataclass

from kombu import Connection, Exchange, Producer

from shared.handlers import DEAD_LETTER_QUEUE


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    event_type: str
    event_id: str
    reason: str


def _describe(message) -> DeadLetter:
    death = (message.headers.get("x-death") or [{}])[0]
    body = message.decode() if isinstance(message.body, (bytes, str)) else message.body
    return DeadLetter(queue=death.get("queue", "?"), event_type=body.get("type", "?"),
                      event_id=body.get("event_id", "?"), reason=death.get("reason", "?"))


def list_dead_letters(amqp_uri: str) -> list[DeadLetter]:
    """Peek: every message is read and then left on the queue (not acknowledged)."""
    letters = []
    with Connection(amqp_uri) as conn:
        queue = DEAD_LETTER_QUEUE(conn.channel())
        queue.declare()
        while (message := queue.get(no_ack=False)) is not None:
            letters.append(_describe(message))
    return letters


def replay_dead_letters(amqp_uri: str) -> int:
    """Replay what is in the queue now; a message that fails again waits for the next replay."""
    replayed = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue = DEAD_LETTER_QUEUE(channel)
        queue.declare()
        _name, waiting, _consumers = queue.queue_declare(passive=True)
        producer = Producer(channel, exchange=Exchange(""))
        for _ in range(waiting):
            message = queue.get(no_ack=False)
            if message is None:
                break
            letter = _describe(message)
            headers = {k: v for k, v in message.headers.items() if k != "x-death"}
            producer.publish(message.body, routing_key=letter.queue, headers=headers,
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             delivery_mode=2, serializer=None)
            message.ack()
            replayed += 1
    return replayed

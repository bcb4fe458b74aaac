"""Sending a message to the dead-letter queue with why, from where and when.

Rejecting a message would route it through its queue's `x-dead-letter-exchange`, but
without a reason. So a consumer publishes the message as it received it (raw body,
content type, headers) to the dead-letter exchange with the reason, the queue it came from,
the time and an id for the operator in `x-ddrr-*` headers, waits for the broker's
confirm, and only then acks the original. A crash in between leaves both copies: the
original comes back and is dead-lettered again. Nothing is lost.
"""
import time
import uuid
from datetime import datetime, timezone

from amqp.exceptions import NotFound
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher

DEAD_LETTER_EXCHANGE = Exchange("ddrr.dead-letter", type="fanout", durable=True)
DEAD_LETTER_QUEUE = Queue("ddrr.dead-letter", exchange=DEAD_LETTER_EXCHANGE, durable=True)
REASON, QUEUE, TIME, LETTER_ID = "x-ddrr-reason", "x-ddrr-queue", "x-ddrr-time", "x-ddrr-letter-id"
MAX_REASON_CHARS = 1000
DECLARE_ATTEMPTS = 5


def declare_dead_letter(amqp_uri: str) -> None:
    """Every handler declares the queue as its service starts, so services starting together
    declare it at once. RabbitMQ may then answer one of them 404 "home node ... of durable queue
    ... is down or inaccessible" while another's declaration is still starting the queue: that
    one asks again, a little later, on a new channel (the 404 closed its channel)."""
    for attempt in range(1, DECLARE_ATTEMPTS + 1):
        try:
            with Connection(amqp_uri) as conn:
                DEAD_LETTER_QUEUE(conn.default_channel).declare()
            return
        except NotFound:
            if attempt == DECLARE_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)


def reason_for(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class DeadLetterPublisher:
    def __init__(self, amqp_uri: str):
        self.publisher = Publisher(amqp_uri, exchange=DEAD_LETTER_EXCHANGE, use_confirms=True, mandatory=True,
                                   declare=[DEAD_LETTER_QUEUE])

    def publish(self, message, queue: str, reason: str) -> None:
        """Raises when the broker did not confirm it (the caller then must not ack the original)."""
        headers = {**(message.headers or {}), REASON: reason[:MAX_REASON_CHARS], QUEUE: queue,
                   TIME: datetime.now(timezone.utc).isoformat(timespec="seconds"), LETTER_ID: uuid.uuid4().hex[:12]}
        self.publisher.publish(message.body, routing_key=queue, headers=headers,
                               content_type=message.content_type or "application/octet-stream",
                               content_encoding=message.content_encoding or "binary",
                               message_id=message.properties.get("message_id"))

"""Event handlers that dead-letter with a reason instead of dropping, and survive a broker restart.

nameko's `event_handler` acks a message whose handler raised (`requeue_on_error=False`)
or requeues it forever (`True`), and kombu acks a message it cannot decode (not JSON, or
a content type the service does not accept). Neither is acceptable for money: here such a
message goes to the `ddrr.dead-letter` queue with the reason (shared/dead_lettering.py),
where it waits for an operator (`ddrr dlq list|replay|discard`). A connection lost before
an ack is not fatal: the broker delivers the message again after the reconnect, and every
handler goes through the inbox, so redelivery is harmless.
"""
import logging
from functools import partial

from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

from shared.dead_lettering import (
    DEAD_LETTER_EXCHANGE, DeadLetterPublisher, declare_dead_letter, reason_for,
)
from shared.lost_connection import CONNECTION_ERRORS, settle

log = logging.getLogger(__name__)


class ReliableQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a message kombu cannot decode is handed to its
    handler to dead-letter, and that acks and requeues outlive a broken connection."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        reason = f"cannot decode a {message.content_type or 'typeless'} body: {reason_for(exc)}"
        self.container.spawn_managed_thread(partial(provider.dead_letter, message, reason),
                                            identifier=f"{type(provider).__name__}.dead_letter")

    def ack_message(self, message):
        settle(message, "ack")

    def requeue_message(self, message):
        settle(message, "requeue")


class ReliableEventHandler(EventHandler):
    queue_consumer = ReliableQueueConsumer()

    def __init__(self, source_service, event_type, single_active_consumer=False, **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.single_active_consumer = single_active_consumer

    def setup(self):
        super().setup()
        arguments = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name}
        if self.single_active_consumer:
            arguments["x-single-active-consumer"] = True
        self.queue.queue_arguments = arguments
        declare_dead_letter(self.container.config["AMQP_URI"])
        self.dead_letters = DeadLetterPublisher(self.container.config["AMQP_URI"])

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        else:
            self.dead_letter(message, reason_for(exc_info[1]))

    def dead_letter(self, message, reason: str) -> None:
        dead_letter(self.dead_letters, self.queue_consumer, self.queue.name, message, reason)


def dead_letter(publisher: DeadLetterPublisher, queue_consumer, queue: str, message, reason: str) -> None:
    """Dead-letter `message` with `reason`, then ack it. Never raises: it runs in the
    threads that settle messages, and an exception there would kill the service."""
    log.warning("%s: message dead-lettered: %.200s", queue, reason)
    try:
        publisher.publish(message, queue, reason)
    except CONNECTION_ERRORS as exc:
        log.warning("%s: dead-letter exchange unreachable, message requeued: %r", queue, exc)
        queue_consumer.requeue_message(message)
        return
    except Exception:
        log.exception("%s: dead-letter publish refused; rejected without its reason", queue)
        settle(message, "reject", requeue=False)
        return
    queue_consumer.ack_message(message)


on_event = ReliableEventHandler.decorator

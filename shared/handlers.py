"""Event handlers that dead-letter instead of dropping.

nameko's `event_handler` acks a message whose handler raised (`requeue_on_error=False`)
or requeues it forever (`True`). Neither is acceptable for money: here a failed message
is rejected to the `ddrr.dead-letter` exchange, where it waits in a durable queue for an
operator to inspect and replay (`ddrr dlq list|replay`). Redelivered messages are
harmless because every handler goes through the inbox.
"""
from kombu import Connection, Exchange, Queue
from nameko.events import EventHandler

DEAD_LETTER_EXCHANGE = Exchange("ddrr.dead-letter", type="fanout", durable=True)
DEAD_LETTER_QUEUE = Queue("ddrr.dead-letter", exchange=DEAD_LETTER_EXCHANGE, durable=True)


def declare_dead_letter(amqp_uri: str) -> None:
    with Connection(amqp_uri) as conn:
        DEAD_LETTER_QUEUE(conn.default_channel).declare()


class ReliableEventHandler(EventHandler):
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

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        elif message.channel.connection:
            message.reject(requeue=False)


on_event = ReliableEventHandler.decorator

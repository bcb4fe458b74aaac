"""RPC that a stray message on the broker cannot stop.

nameko 2.14 answers a request on its `reply_to` queue and raises, in the consumer's own
thread, when the request has none; kombu raises there too when it cannot decode a body (not
JSON, or a content type the service does not accept). Either stopped the whole service, so
anyone able to publish to `rpc-<service>` or to a reply queue could stop it with one
message. Here, as for events (shared/handlers.py), such a request is dead-lettered with the
reason and acked: no caller waits for an answer to it. A reply that cannot be decoded is
dropped with a log line (its caller times out, as for a lost reply)."""
import logging

from nameko import rpc as nameko_rpc

from shared.dead_lettering import DeadLetterPublisher, declare_dead_letter
from shared.handlers import ReliableQueueConsumer, dead_letter

log = logging.getLogger(__name__)
NO_REPLY_TO = "an RPC request without reply_to: no caller waits for its answer"


class GuardedRpcConsumer(nameko_rpc.RpcConsumer):
    queue_consumer = ReliableQueueConsumer()

    def setup(self):
        super().setup()
        amqp_uri = self.container.config["AMQP_URI"]
        declare_dead_letter(amqp_uri)
        self.dead_letters = DeadLetterPublisher(amqp_uri)

    def handle_message(self, body, message):
        if message.properties.get("reply_to"):
            super().handle_message(body, message)
        else:
            self.dead_letter(message, NO_REPLY_TO)

    def dead_letter(self, message, reason: str) -> None:
        dead_letter(self.dead_letters, self.queue_consumer, self.queue.name, message, reason)


class GuardedRpc(nameko_rpc.Rpc):
    rpc_consumer = GuardedRpcConsumer()


class GuardedReplyListener(nameko_rpc.ReplyListener):
    queue_consumer = ReliableQueueConsumer()

    def dead_letter(self, message, reason: str) -> None:
        log.warning("%s: a reply that cannot be decoded was dropped: %.200s", self.queue.name, reason)
        self.queue_consumer.ack_message(message)


class RpcProxy(nameko_rpc.RpcProxy):
    """nameko's RPC proxy, its replies taken by the guarded listener."""
    rpc_reply_listener = GuardedReplyListener()


rpc = GuardedRpc.decorator

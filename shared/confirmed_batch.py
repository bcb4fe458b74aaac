"""Publishing a batch of messages with one wait for the broker's confirms.

Waiting for each message's confirm before the next costs a round trip per message (about a
millisecond: under 1,000 events/s). Here a batch is published on a channel in confirm mode
and the acks are then drained together. With `mandatory` set, a message no queue would take
comes back (`basic.return`, before its ack) and counts as refused, like one the broker nacks.
A lost connection, or confirms that do not come within the timeout, is raised: what was
settled before it stays in `outcomes`, and the next batch connects again.
"""
from kombu import Connection, Exchange, Producer


class Undeliverable(Exception):
    """The broker returned or refused the message."""


class ConfirmedBatch:
    def __init__(self, amqp_uri: str, exchange: Exchange, timeout: float = 30.0):
        self.amqp_uri, self.exchange, self.timeout = amqp_uri, exchange, timeout
        self.connection = None

    def _connect(self) -> None:
        if self.connection is not None:
            return
        connection = Connection(self.amqp_uri)
        try:
            channel = connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(lambda tag, multiple: self._settle(tag, multiple, None))
            channel.events["basic_nack"].add(lambda tag, multiple: self._settle(tag, multiple, Undeliverable("nacked")))
            channel.events["basic_return"].add(self._returned)
            self.exchange(channel).declare()
        except BaseException:
            connection.release()
            raise
        self.connection, self.producer, self.last_tag = connection, Producer(channel, self.exchange), 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.release()
            self.connection = None

    def publish(self, messages: list[tuple[dict, str, str, dict]], outcomes: dict) -> None:
        """Publish (body, routing key, message id, headers) each; `outcomes[index]` becomes
        None when confirmed, or the reason it was refused."""
        self.outcomes, self.tags, self.returned = outcomes, {}, {}
        try:
            self._connect()
            for index, (body, routing_key, message_id, headers) in enumerate(messages):
                self.producer.publish(body, routing_key=routing_key, message_id=message_id, headers=headers,
                                      serializer="json", delivery_mode=2, mandatory=True)
                self.last_tag += 1
                self.tags[self.last_tag] = index, message_id
            while self.tags:
                self.connection.drain_events(timeout=self.timeout)
        except BaseException:
            self.close()
            raise

    def _returned(self, exc, _exchange, _routing_key, message) -> None:
        self.returned[message.properties.get("message_id")] = Undeliverable(f"Undeliverable: {exc}")

    def _settle(self, tag: int, multiple: bool, refused: Exception | None) -> None:
        for settled in [t for t in self.tags if t <= tag] if multiple else [tag] if tag in self.tags else []:
            index, message_id = self.tags.pop(settled)
            self.outcomes[index] = self.returned.pop(message_id, None) or refused

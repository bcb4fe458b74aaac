"""Services starting together declare the dead-letter queue at once; RabbitMQ may answer one of
them 404 while another's declaration is starting the queue (seen in CI, a service's start then
failed). The declaration asks again on a new connection, a bounded number of times."""
from contextlib import nullcontext

import pytest
from amqp.exceptions import NotFound

from shared import dead_lettering

HOME_NODE_DOWN = "Queue.declare: (404) NOT_FOUND - home node 'rabbit@localhost' of durable queue " \
                 "'ddrr.dead-letter' in vhost 'v' is down or inaccessible"


class Broker:
    """Answers the first `refusals` declarations with RabbitMQ's 404, then declares."""

    def __init__(self, refusals: int):
        self.refusals, self.connections, self.declared = refusals, 0, False

    def connection(self, _uri):
        self.connections += 1
        return nullcontext(type("Conn", (), {"default_channel": None})())

    def queue(self, _channel):
        return self

    def declare(self):
        if self.refusals:
            self.refusals -= 1
            raise NotFound(HOME_NODE_DOWN)
        self.declared = True


@pytest.fixture
def broker(monkeypatch):
    def make(refusals):
        made = Broker(refusals)
        monkeypatch.setattr(dead_lettering, "Connection", made.connection)
        monkeypatch.setattr(dead_lettering, "DEAD_LETTER_QUEUE", made.queue)
        monkeypatch.setattr(dead_lettering.time, "sleep", lambda seconds: None)
        return made
    return make


def test_a_404_while_another_service_declares_the_queue_is_asked_again(broker):
    racing = broker(refusals=2)
    dead_lettering.declare_dead_letter("amqp://")
    assert racing.declared and racing.connections == 3


def test_a_queue_that_never_comes_up_still_fails_the_start(broker):
    down = broker(refusals=dead_lettering.DECLARE_ATTEMPTS)
    with pytest.raises(NotFound, match="home node"):
        dead_lettering.declare_dead_letter("amqp://")
    assert not down.declared and down.connections == dead_lettering.DECLARE_ATTEMPTS

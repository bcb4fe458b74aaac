"""Stray messages on the RPC queues cannot stop a service: every service runs over the real
RabbitMQ, and requests without `reply_to`, bodies kombu cannot decode and replies nobody
asked for are published straight to their queues. nameko alone stopped the service at the
first of them; here each request is dead-lettered with its reason, the garbled reply is
dropped, and every service still answers an ordinary call."""
import json
from urllib.parse import quote, urlsplit

import requests
from kombu import Connection, Exchange, Producer
from nameko.standalone.rpc import ClusterRpcProxy

from shared.dead_letters import list_dead_letters
from shared.rpc import NO_REPLY_TO
from tests.conftest import ALL_SERVICES
from tests.support import eventually

RPC_SERVICES = ("enrollment", "livelihoods", "ledger", "mentorship")
REQUEST = json.dumps({"args": [], "kwargs": {}}).encode()
STRAY = {  # kind -> (body, content type, reply_to, the reason's beginning)
    "no reply_to": (REQUEST, "application/json", None, NO_REPLY_TO),
    "not JSON": (b"{not json", "application/json", "nobody-listens", "cannot decode a application/json body"),
    "refused content type": (REQUEST, "application/x-python-serialize", "nobody-listens",
                             "cannot decode a application/x-python-serialize body"),
}


def test_stray_rpc_messages_are_dead_lettered_and_every_service_keeps_answering(config, runner_factory):
    runner = runner_factory(config, *ALL_SERVICES)
    runner.start()
    uri = config["AMQP_URI"]
    with Connection(uri) as conn:
        channel = conn.channel()
        producer = Producer(channel, exchange=Exchange(""))
        for service in RPC_SERVICES:
            for body, content_type, reply_to, _ in STRAY.values():
                producer.publish(body, routing_key=f"rpc-{service}", content_type=content_type,
                                 content_encoding="binary", reply_to=reply_to, delivery_mode=2)
        replies = [queue["name"] for queue in _queues(uri) if queue["name"].startswith("rpc.reply-gateway")]
        assert replies, "the gateway's reply queue is declared"
        producer.publish(b"\xff\xfe garbled", routing_key=replies[0], content_type="application/json",
                         content_encoding="binary", correlation_id="nobody-asked")

    letters = eventually(lambda: len(found := list_dead_letters(uri)) == len(RPC_SERVICES) * len(STRAY) and found,
                         timeout=60)
    for service in RPC_SERVICES:
        reasons = sorted(letter.reason for letter in letters if letter.queue == f"rpc-{service}")
        wanted = sorted(reason for *_, reason in STRAY.values())
        assert all(got.startswith(want) for got, want in zip(reasons, wanted)) and len(reasons) == len(wanted), reasons

    with Connection(uri) as conn:  # a consumer is still on every RPC queue and on the reply queue
        consumers = {queue: conn.default_channel.queue_declare(queue, passive=True).consumer_count
                     for queue in (*(f"rpc-{service}" for service in RPC_SERVICES), replies[0])}
    assert all(consumers.values()), consumers
    with ClusterRpcProxy(config, timeout=30) as cluster:  # a stopped service would not answer
        assert cluster.enrollment.list_courses() == []
        assert cluster.livelihoods.list_programmes() == []
        assert cluster.ledger.trial_balance() is not None
        assert cluster.mentorship.list_mentors() == []


def _queues(uri: str) -> list[dict]:
    """The queues of this test's virtual host, from the management API (its counts lag)."""
    parts = urlsplit(uri)
    answer = requests.get(f"http://{parts.hostname}:15672/api/queues/{quote(parts.path.lstrip('/'), safe='')}",
                          auth=(parts.username or "guest", parts.password or "guest"), timeout=10)
    answer.raise_for_status()
    return answer.json()

"""RabbitMQ restarted in the middle of a stream of events: one service's outbox relay
publishes, another's ReliableEventHandler applies each event through its inbox. The
broker goes away twice: once while the consumer is busy (its acks then meet a dead
socket: `ConnectionResetError` or `BrokenPipeError`, which nameko alone does not survive),
once while it is idle. Every event is applied exactly once, neither service container
dies and nobody restarts anything by hand. An RPC answered while the broker is away does
not kill its service either."""
import eventlet
import eventlet.event
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.orm import Session

from shared.db import make_engine
from shared.dead_letters import list_dead_letters
from shared.events import contract
from shared.handlers import on_event
from shared.messaging_tables import add_messaging_tables
from shared.outbox import write_events
from shared.service_container import PATH as CONTAINER
from shared.store import Store
from tests.support import eventually

EVENTS = 300
REPLY_GIVES_UP_SECONDS = 15  # nameko's reply publisher retries a lost connection for about 12 s


@contract("restart_test.tick")
class Tick(BaseModel):
    n: int


SOURCE_TABLES, SINK_TABLES = MetaData(), MetaData()
add_messaging_tables(SOURCE_TABLES)
add_messaging_tables(SINK_TABLES)
APPLIED = Table("applied", SINK_TABLES, Column("id", Integer, primary_key=True), Column("n", Integer, nullable=False))


def record(session, tick: Tick) -> None:
    session.execute(insert(APPLIED).values(n=tick.n))


class Source:
    """Only its outbox relay runs: the test writes events into its outbox."""
    name = "restart_source"
    db = Store(SOURCE_TABLES, relay_interval=0.2)

    @on_event("restart_source", "restart_test.never")
    def unused(self, body):
        """nameko starts a service only if it has an entrypoint."""


BUSY_AT = EVENTS // 4
busy = {}  # the test puts here what the sink does, once, when event BUSY_AT arrives


class Sink:
    name = "restart_sink"
    db = Store(SINK_TABLES)

    @on_event("restart_source", "restart_test.tick")
    def on_tick(self, body):
        if body["payload"]["n"] == BUSY_AT and "while_busy" in busy:
            busy.pop("while_busy")()
        self.db.apply_once(body, "restart_sink.on_tick", record)


def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(tmp_path, private_rabbitmq, private_rabbit_config,
                                                               container_factory):
    urls = {name: f"sqlite:///{tmp_path}/{name}.db" for name in ("restart_source", "restart_sink")}
    engines = {name: make_engine(url) for name, url in urls.items()}
    SOURCE_TABLES.create_all(engines["restart_source"])
    SINK_TABLES.create_all(engines["restart_sink"])
    config = {**private_rabbit_config, "DATABASES": urls, "serializer": "json"}
    sink = container_factory(Sink, config)
    sink.start()
    source = container_factory(Source, config)
    source.start()

    def produce():
        for n in range(EVENTS):
            with engines["restart_source"].begin() as conn:
                write_events(conn, SOURCE_TABLES.tables["outbox"], "restart_source", [Tick(n=n)])
            eventlet.sleep(0.03)

    def applied():
        with Session(engines["restart_sink"]) as session:
            return session.execute(select(func.count(), func.count(APPLIED.c.n.distinct()))).one()

    stopped = eventlet.event.Event()
    busy["while_busy"] = lambda: (private_rabbitmq.stop_app_blocking(), stopped.send())
    producer = eventlet.spawn(produce)
    stopped.wait()
    eventlet.sleep(2)
    private_rabbitmq.start_app()
    eventually(lambda: applied()[0] >= EVENTS // 2, timeout=60)
    private_rabbitmq.restart()
    producer.wait()
    eventually(lambda: applied()[0] >= EVENTS, timeout=120, interval=0.5)
    eventlet.sleep(2)  # time for a late duplicate to show up

    assert tuple(applied()) == (EVENTS, EVENTS)
    assert not sink._died.ready() and not source._died.ready(), "a service container died"
    with engines["restart_source"].connect() as conn:
        outbox = SOURCE_TABLES.tables["outbox"]
        assert conn.scalar(select(func.count()).where(outbox.c.published_at.is_(None))) == 0
    assert list_dead_letters(private_rabbit_config["AMQP_URI"]) == []


class Answerer:
    name = "restart_answerer"

    @rpc
    def answer(self):
        if "while_busy" in busy:
            busy.pop("while_busy")()
        return "answered"


def ask(amqp_uri: str):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        return proxy.restart_answerer.answer()


def test_an_rpc_answered_while_the_broker_is_away_kills_nothing(private_rabbitmq, private_rabbit_config,
                                                                container_factory):
    container = container_factory(Answerer, {**private_rabbit_config, "SERVICE_CONTAINER_CLS": CONTAINER})
    container.start()
    stopped = eventlet.event.Event()
    busy["while_busy"] = lambda: (private_rabbitmq.stop_app_blocking(), stopped.send())
    first = eventlet.spawn(ask, private_rabbit_config["AMQP_URI"])
    stopped.wait()
    eventlet.sleep(REPLY_GIVES_UP_SECONDS)
    private_rabbitmq.start_app()
    try:
        first.wait()
    except Exception:
        pass  # the caller lost its reply queue with the broker: its answer cannot come
    assert eventually(lambda: ask(private_rabbit_config["AMQP_URI"]) == "answered", timeout=60)
    assert not container._died.ready(), "the service container died"

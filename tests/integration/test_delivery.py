"""At-least-once delivery over the real RabbitMQ: redelivered events are applied once,
a repeated disbursement command pays once, a conflicting one is dead-lettered and
writes nothing. The ledger service runs alone; events are published by hand."""
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.models import Base as LedgerBase, Posting
from services.ledger.service import LedgerService
from services.ledger.verification.verify import verify
from shared.contracts import DisbursementRequested
from shared.db import make_engine
from shared.dead_letters import list_dead_letters, replay_dead_letters
from shared.events import new_envelope
from tests.support import event_publisher, eventually

OUTBOX = LedgerBase.metadata.tables["outbox"]
INBOX = LedgerBase.metadata.tables["inbox"]


def command(**overrides):
    fields = dict(disbursement_id="D-AAAA0001", idempotency_key="grant:G-1:t1:a1", participant_id="P-7K3M9Q",
                  programme="LG-2026", kind="GRANT", amount=Decimal("450.00"), currency="USD", reference="G-1")
    return DisbursementRequested(**{**fields, **overrides})


@pytest.fixture
def ledger(config, container_factory):
    container = container_factory(LedgerService, config)
    container.start()
    engine = make_engine(config["DATABASES"]["ledger"])
    publish = event_publisher(config["AMQP_URI"], "livelihoods")

    def count(statement):
        with Session(engine) as session:
            return session.scalar(statement)

    yield publish, count
    engine.dispose()


def ledger_text(config) -> str:
    return "".join(p.read_text() for p in sorted(Path(config["LEDGER"]["directory"]).rglob("*.beancount")))


def emitted(count, event_type):
    return count(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.event_type == event_type))


def test_the_same_event_published_twice_is_applied_once(config, ledger):
    publish, count = ledger
    envelope = new_envelope("livelihoods", command())
    publish(envelope)
    publish(envelope)
    eventually(lambda: count(select(func.count()).select_from(INBOX)) == 1)
    eventually(lambda: emitted(count, "disbursement.completed") == 1)
    publish(new_envelope("livelihoods", command(disbursement_id="D-AAAA0002", idempotency_key="k2")))
    eventually(lambda: count(select(func.count()).select_from(INBOX)) == 2)
    eventually(lambda: emitted(count, "disbursement.completed") == 2)  # answered once the provider has paid
    assert ledger_text(config).count('entry: "payment"') == 2


def answers_flagged_repeat(count) -> list[bool]:
    """The `repeat` flag of each disbursement.completed in the outbox, in order."""
    bodies = count(select(func.json_group_array(OUTBOX.c.body)).where(
        OUTBOX.c.event_type == "disbursement.completed"))
    return [json.loads(body)["payload"].get("repeat", False) for body in json.loads(bodies)]


def test_the_same_command_twice_posts_once_and_a_later_ask_is_answered_as_a_repeat(config, ledger):
    publish, count = ledger
    publish(new_envelope("livelihoods", command()))
    publish(new_envelope("livelihoods", command()))  # asked again before the provider paid: no answer yet to repeat
    eventually(lambda: answers_flagged_repeat(count) == [False])
    publish(new_envelope("livelihoods", command()))  # asked again once answered: the first answer, flagged
    eventually(lambda: answers_flagged_repeat(count) == [False, True])
    assert count(select(func.count()).select_from(Posting)) == 1
    assert ledger_text(config).count('entry: "payable"') == 1
    assert ledger_text(config).count('entry: "payment"') == 1
    assert verify(config["LEDGER"]["directory"]).ok


def test_same_key_with_another_amount_is_dead_lettered_and_writes_nothing(config, ledger):
    publish, count = ledger
    publish(new_envelope("livelihoods", command()))
    eventually(lambda: emitted(count, "disbursement.completed") == 1)
    before = ledger_text(config)
    conflicting = new_envelope("livelihoods", command(amount=Decimal("900.00")))
    publish(conflicting)
    [letter] = eventually(lambda: list_dead_letters(config["AMQP_URI"]))
    assert (letter.event_id, letter.event_type, letter.queue) == (
        conflicting.event_id, "disbursement.requested", "evt-livelihoods-disbursement.requested--ledger.on_disbursement_requested")
    assert letter.reason == ("IdempotencyConflict: idempotency key grant:G-1:t1:a1 was used for a different request")
    assert ledger_text(config) == before
    assert count(select(Posting.amount)) == Decimal("450.00")
    assert count(select(func.count()).select_from(INBOX)) == 1

    assert replay_dead_letters(config["AMQP_URI"], letter.letter_id) == 1  # still conflicting: dead-lettered again
    [again] = eventually(lambda: list_dead_letters(config["AMQP_URI"]))
    assert (again.event_id, again.reason) == (conflicting.event_id, letter.reason)
    assert again.letter_id != letter.letter_id
    assert ledger_text(config) == before


def test_a_malformed_event_is_dead_lettered_not_dropped(config, ledger):
    publish, count = ledger
    envelope = new_envelope("livelihoods", command())
    bad = envelope.model_copy(update={"payload": {**envelope.payload, "amount": "-5.00"}})
    publish(bad)
    eventually(lambda: [d.event_id for d in list_dead_letters(config["AMQP_URI"])] == [bad.event_id])
    assert count(select(func.count()).select_from(Posting)) == 0

"""The sending loop: payables to the provider in batches, several in flight at once.

A round starts at most one batch, when fewer than `batches_in_flight` are being POSTed. It
takes first a batch whose POST is due again (it failed, timed out, or the process died
before recording SENT): its payments are asked about, and only those the provider does not
know are sent again, under the same batch key when they are the whole batch. Otherwise it
takes up to `batch_size` NEW orders. Payees are resolved in one call to enrollment, at the
moment of sending; one without a verified account is HELD with the reason and never sent.
For NEW orders that call does not hold up the loop: the next batch's payees are asked for
while the loop posts answers, and the batch is sent once enrollment has answered (its orders
stay NEW until then, and no other batch of NEW orders is taken meanwhile).
The orders are recorded QUEUED under the batch key before the POST, which then runs in a
green thread of its own (the ledger's hub goes on posting and answering meanwhile), and SENT
after it. A batch in flight is never taken as due again by this process; after a crash, all
its QUEUED batches are due and asked about."""
import logging
from collections import Counter
from datetime import timedelta
from typing import NamedTuple

import eventlet
from eventlet.greenpool import GreenPool
from eventlet.queue import Empty, LightQueue
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from services.ledger.models import PaymentOrder, Posting
from services.ledger.payments import results
from services.ledger.payments.orders import FAILED, HELD, NEW, QUEUED, now, short_reason
from services.ledger.payments.payees import destination, test_only_synthetic
from services.ledger.payments.provider_client import ProviderClient, ProviderRefused
from services.ledger.payments.references import batch_key
from services.ledger.payments.settings import PaymentSettings
from shared import payees
from shared.errors import IdempotencyConflict, ProviderUnavailable

log = logging.getLogger(__name__)
LONGEST_PAUSE_SECONDS = 60.0


class Order(NamedTuple):
    idempotency_key: str
    reference_id: str
    batch_key: str | None
    attempts: int
    participant_id: str
    amount: object
    currency: str


class Asked(NamedTuple):
    orders: list[Order]
    answer: eventlet.greenthread.GreenThread  # enrollment's payees for these orders, when it has answered


def _answer_of(reply) -> dict | Exception:
    """Enrollment's answer, or why there is none: raised in the green thread, the error would
    only reach eventlet's hub, which prints it outside the logs."""
    try:
        return reply.result()
    except Exception as failed:
        return failed


class Sender:
    def __init__(self, engine: Engine, client: ProviderClient, settings: PaymentSettings):
        self.engine, self.client, self.settings = engine, client, settings
        self._pool = GreenPool(settings.batches_in_flight)
        self._flying: set[str] = set()  # the keys of the batches being POSTed
        self._asked: Asked | None = None  # NEW orders whose payees enrollment is being asked for
        self._landed = LightQueue()

    @property
    def in_flight(self) -> int:
        """Batches being POSTed, and one whose payees are being asked for."""
        return len(self._flying) + (self._asked is not None)

    def wait(self, seconds: float) -> None:
        """Until a batch in flight lands or enrollment answers, or `seconds` pass."""
        try:
            self._landed.get(timeout=seconds)
        except Empty:
            pass

    def fill(self, enrollment) -> int:
        """Start batches until every place is taken or nothing is left to send; how many orders
        they moved. Each start is short (a read and an update): the POSTs go on beside the writer."""
        moved = 0
        while self._pool.free() and (started := self.round(enrollment)):
            moved += started
        return moved

    def round(self, enrollment) -> int:
        """Start one batch if a place is free; how many orders it moved (0: nothing to do now)."""
        if not self._pool.free():
            return 0
        if self._asked is not None:
            return self._send_asked()
        with self.engine.connect() as conn:
            due = conn.scalar(select(PaymentOrder.batch_key).where(
                PaymentOrder.state == QUEUED, PaymentOrder.answered_at.is_(None), PaymentOrder.next_attempt_at <= now(),
                PaymentOrder.batch_key.not_in(self._flying))
                .order_by(PaymentOrder.next_attempt_at).limit(1))
            if due is not None:
                orders = self._orders(conn, PaymentOrder.state == QUEUED, PaymentOrder.batch_key == due)
            else:  # every NEW order is unanswered: read on the partial index, in key order
                orders = self._orders(conn, PaymentOrder.state == NEW, PaymentOrder.answered_at.is_(None))
        if not orders:
            return 0
        if due is not None:
            return self._again(orders, enrollment)
        if self.settings.test_only_synthetic_payees:
            return self._send(orders, {})
        reply = payees.ask(enrollment, [order.participant_id for order in orders])
        self._asked = Asked(orders, eventlet.spawn(_answer_of, reply))
        self._asked.answer.link(lambda _answer: self._landed.put(None))
        return len(orders)

    def _send_asked(self) -> int:
        """Send the batch whose payees were asked for, once enrollment has answered; 0 before.
        A failed call leaves its orders NEW for the next round."""
        asked = self._asked
        if not asked.answer.dead:
            return 0
        self._asked = None
        answer = asked.answer.wait()
        if isinstance(answer, Exception):
            raise answer  # this tick ends; the next one asks again
        return self._send(asked.orders, answer)

    def _orders(self, conn, *where) -> list[Order]:
        return [Order(*row) for row in conn.execute(
            select(PaymentOrder.idempotency_key, PaymentOrder.reference_id, PaymentOrder.batch_key,
                   PaymentOrder.attempts, Posting.participant_id, Posting.amount, Posting.currency)
            .join(Posting, Posting.idempotency_key == PaymentOrder.idempotency_key)
            .where(*where).order_by(PaymentOrder.idempotency_key).limit(self.settings.batch_size))]

    def _again(self, orders: list[Order], enrollment) -> int:
        """A batch that may or may not have reached the provider: what it knows is recorded,
        the rest is sent (under the same key when nothing changed)."""
        key = orders[0].batch_key
        try:
            found, unknown = self.client.statuses([order.reference_id for order in orders])
        except ProviderUnavailable as down:
            self._later(key, orders[0].attempts, down)
            return 0
        with self.engine.begin() as conn:
            results.record(conn, found)
            results.still_pending(conn, [r["reference_id"] for r in found if r["status"] not in results.FINAL])
        missing = set(unknown)
        rest = [order for order in orders if order.reference_id in missing]
        if rest:
            resolved = {} if self.settings.test_only_synthetic_payees else payees.resolve(
                enrollment, [order.participant_id for order in rest])
            self._send(rest, resolved, key if len(rest) == len(orders) else None)
        return len(orders)

    def _send(self, orders: list[Order], resolved: dict[str, dict], same_key: str | None = None) -> int:
        """Hold the orders without a verified payee, mark the others QUEUED under the batch's key
        and POST them in a green thread of their own."""
        held: dict[str, list[str]] = {}
        sending: list[tuple[Order, dict]] = []
        for order in orders:
            payee = resolved.get(order.participant_id) or {"verified": False, "reason": payees.UNKNOWN_PARTICIPANT}
            if payee.get("verified"):
                sending.append((order, destination(payee)))
            elif self.settings.test_only_synthetic_payees:
                sending.append((order, test_only_synthetic(order.participant_id)))
            else:
                held.setdefault(payee["reason"], []).append(order.idempotency_key)
        key = same_key if same_key and not held else batch_key(order.reference_id for order, _ in sending)
        with self.engine.begin() as conn:
            for reason, keys in held.items():
                conn.execute(update(PaymentOrder).where(PaymentOrder.idempotency_key.in_(keys),
                                                        PaymentOrder.state.in_((NEW, QUEUED)))
                             .values(state=HELD, reason=reason))
            if sending:
                conn.execute(update(PaymentOrder).where(
                    PaymentOrder.idempotency_key.in_([order.idempotency_key for order, _ in sending]),
                    PaymentOrder.state.in_((NEW, QUEUED)))
                    .values(state=QUEUED, batch_key=key, attempts=PaymentOrder.attempts + 1,
                            next_attempt_at=now() + timedelta(seconds=self.settings.retry_pause_seconds)))
        if held:
            log.info("held %s payment(s): %s", sum(map(len, held.values())),
                     ", ".join(f"{len(keys)} {reason}" for reason, keys in sorted(held.items())))
        if sending:
            self._flying.add(key)
            self._pool.spawn_n(self._fly, key, sending, max(order.attempts for order, _ in sending) + 1)
        return len(orders)

    def _fly(self, key: str, sending: list[tuple[Order, dict]], attempts: int) -> None:
        try:
            self._post(key, sending, attempts)
        except Exception:  # its orders stay QUEUED: asked about and sent again when due
            log.exception("batch %s: sending failed", key)
        finally:
            self._flying.discard(key)
            self._landed.put(key)

    def _post(self, key: str, sending: list[tuple[Order, dict]], attempts: int) -> None:
        payments = [{"reference_id": order.reference_id, **where, "amount": str(order.amount),
                     "currency": order.currency} for order, where in sending]
        try:
            answer = self.client.send_batch(key, payments, self.settings.callback_url)
        except ProviderUnavailable as down:
            self._later(key, attempts, down)
            return
        except IdempotencyConflict:
            log.warning("batch %s: the provider holds other content under its key (an account changed); "
                        "asked about and sent under a new key", key)
            with self.engine.begin() as conn:
                conn.execute(update(PaymentOrder).where(PaymentOrder.batch_key == key, PaymentOrder.state == QUEUED)
                             .values(batch_key=batch_key((o.reference_id for o, _ in sending), salt=key),
                                     next_attempt_at=now()))
            return
        except ProviderRefused as refused:
            log.error("%s; its %d payments fail", refused.message, len(payments))
            answer = {"payments": [{"reference_id": p["reference_id"], "status": "REJECTED",
                                    "error": refused.code} for p in payments]}
        accepted = [p["reference_id"] for p in answer["payments"] if p["status"] == "ACCEPTED"]
        rejected = [{"reference_id": p["reference_id"], "status": FAILED, "reason": short_reason(p.get("error"))}
                    for p in answer["payments"] if p["status"] != "ACCEPTED"]
        with self.engine.begin() as conn:
            results.still_pending(conn, accepted)
            results.record(conn, rejected)
        if rejected:
            log.warning("batch %s: %d payment(s) rejected by the provider: %s", key, len(rejected),
                        dict(Counter(r["reason"] for r in rejected)))
        log.info("batch %s: %d payment(s) sent", key, len(accepted))

    def _later(self, key: str, attempts: int, why: Exception) -> None:
        pause = min(LONGEST_PAUSE_SECONDS, self.settings.retry_pause_seconds * 2 ** max(0, attempts - 1))
        log.warning("batch %s not confirmed (%s); asked about and sent again in %.0f s", key, why, pause)
        with self.engine.begin() as conn:
            conn.execute(update(PaymentOrder).where(PaymentOrder.batch_key == key, PaymentOrder.state == QUEUED)
                         .values(next_attempt_at=now() + timedelta(seconds=pause)))

"""Monthly allowance cycles: prepare → review → release → progress → complete.

A programme with an `allowance` pays it each month to whom `entitlements` finds due. One
finance user prepares a month's cycle: an entitlement per participant due (unique per
programme, month and participant, so no later cycle pays that month again) and its first
payment attempt, nothing sent yet; the cycle declares its count and total then, and keeps
who was left out and why. Another user releases it (maker-checker): the disbursement
commands travel to the ledger in chunks (`DisbursementsRequested`), keyed each by the
entitlement and the attempt, after the programme's available funds are checked. A payment
the rail refused is sent again by a later release under a new attempt; consent withdrawn or
a case withdrawn since preparation stops a payment instead. A month may have a later cycle
for those an earlier one did not hold (say, a phase change that arrived late).

Everything is done a chunk at a time with bulk statements, and answers carry counts and
totals, never every payment: payments and left-out people are read a page at a time.

Grant tranche cycles run on the same machinery: `grant_cycles` prepares one (its payments
are the tranches' disbursements, `cycle_rows.payments_of`); loading, releasing by another
user, chunked sending, progress, paging and completion are the same code for both kinds.
"""
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from services.livelihoods import budget, cycle_progress, cycle_rows, entitlements, grant_cycles, programmes
from services.livelihoods.grants import now
from services.livelihoods.models import (AllowanceCycle, AllowanceLeftOut, AllowancePayment, Disbursement,
                                         ParticipantFacts, Programme)
from services.livelihoods.schemas import Allowance, PageQuery, PrepareCycle
from shared.contracts import DisbursementCompleted, DisbursementFailed, DisbursementRequested, DisbursementsRequested
from shared.errors import Conflict, IllegalTransition, NotFound, SegregationOfDuties, ValidationFailed
from shared.ids import unused_id

PREFIX = cycle_rows.PREFIX
CHUNK = 500  # disbursement commands per message, and payments per statement
STOPS = ((ParticipantFacts.consent_active.is_(False), "consent withdrawn"),
         (ParticipantFacts.phase == "WITHDRAWN", "case withdrawn"))


def _allowance(programme: Programme) -> Allowance:
    if not programme.allowance:
        raise ValidationFailed(f"programme {programme.code} pays no allowance")
    return Allowance.model_validate(programme.allowance)


def prepare(session: Session, command: PrepareCycle, actor: str, today: date, grace_days: int) -> AllowanceCycle:
    """A PREPARED cycle with an entitlement and a PENDING payment per participant due, its
    count and total declared; nothing is sent yet. A cycle nobody is due in, or one the
    available funds do not cover, is refused with the reasons, and nothing is kept."""
    programme = programmes.load(session, command.programme)
    allowance = _allowance(programme)
    month = entitlements.Month.parse(command.month)
    entitlements.check_month(programme, month, today, grace_days)
    cycle = AllowanceCycle(id=unused_id(session, AllowanceCycle, "AC-", 8), programme=programme.code,
                           month=str(month), status="PREPARED", prepared_by=actor, prepared_at=now(),
                           currency=programme.currency, payment_prefix=cycle_rows.new_prefix(session))
    session.add(cycle)
    session.flush()
    due, reasons = 0, Counter()
    for chunk_due, chunk_left_out in entitlements.screen(session, programme, allowance, month):
        if chunk_due:
            cycle_rows.add_entitled(session, cycle, chunk_due, allowance.amount, due)
            due += len(chunk_due)
        if chunk_left_out:
            session.execute(insert(AllowanceLeftOut), [{"cycle_id": cycle.id, **o} for o in chunk_left_out])
            reasons.update(o["code"] for o in chunk_left_out)
    if not due:
        raise Conflict(f"nobody is due an allowance of {programme.code} for {month}"
                       + (": " + ", ".join(f"{n} {code}" for code, n in sorted(reasons.items())) if reasons else ""))
    cycle.declared_count, cycle.declared_total = due, (allowance.amount * due).quantize(Decimal("0.01"))
    budget.require_available(session, programme, cycle.declared_total)
    return cycle


def load(session: Session, cycle_id: str, lock: bool = False) -> AllowanceCycle:
    cycle = session.get(AllowanceCycle, cycle_id, with_for_update=lock)
    if cycle is None:
        raise NotFound(f"no payment cycle {cycle_id}")
    return cycle


def _stop_withdrawn(session: Session, cycle: AllowanceCycle) -> int:
    """Mark STOPPED, with the reason, the pending payments of those who withdrew since preparation."""
    stopped, payments = 0, cycle_rows.payments_of(cycle)
    for condition, reason in STOPS:
        stopped += session.execute(
            update(payments).where(
                payments.cycle_id == cycle.id, payments.status == "PENDING",
                payments.participant_id.in_(select(ParticipantFacts.participant_id).where(condition)))
            .values(status="STOPPED", failure_reason=reason).execution_options(synchronize_session=False)).rowcount
    return stopped


def _resendable(cycle_id: str):
    """The cycle's failed payments whose participant may still be paid (consent active, case open)."""
    return (select(AllowancePayment.id, AllowancePayment.entitlement_id, AllowancePayment.participant_id,
                   AllowancePayment.amount, AllowancePayment.currency, AllowancePayment.attempt,
                   AllowancePayment.idempotency_key)
            .join(ParticipantFacts, ParticipantFacts.participant_id == AllowancePayment.participant_id)
            .where(AllowancePayment.cycle_id == cycle_id, AllowancePayment.status == "FAILED",
                   ParticipantFacts.consent_active.is_(True), ParticipantFacts.phase != "WITHDRAWN"))


def _command(cycle: AllowanceCycle, row) -> DisbursementRequested:
    return DisbursementRequested(disbursement_id=row["id"], idempotency_key=row["idempotency_key"],
                                 participant_id=row["participant_id"], programme=cycle.programme, kind=cycle.kind,
                                 amount=row["amount"], currency=row["currency"],
                                 reference=row.get("reference", row["id"]), cycle=cycle.id)


def _send_pending(session: Session, cycle: AllowanceCycle, actor: str, emit) -> int:
    """Every PENDING payment becomes REQUESTED, its command in a chunk of `CHUNK` (a grant
    tranche's reference is its application)."""
    sent, after, payments = 0, "", cycle_rows.payments_of(cycle)
    columns = (payments.id, payments.idempotency_key, payments.participant_id, payments.amount, payments.currency,
               *([Disbursement.application_id.label("reference")] if payments is Disbursement else []))
    while rows := session.execute(select(*columns).where(
            payments.cycle_id == cycle.id, payments.status == "PENDING", payments.id > after)
            .order_by(payments.id).limit(CHUNK)).mappings().all():
        after = rows[-1]["id"]
        emit(DisbursementsRequested(items=[_command(cycle, row) for row in rows]))
        ids = [row["id"] for row in rows]
        session.execute(update(payments).where(payments.id.in_(ids))
                        .values(status="REQUESTED").execution_options(synchronize_session=False))
        if payments is Disbursement:
            grant_cycles.sent(session, cycle, ids, actor)
        sent += len(rows)
    return sent


def _send_failed(session: Session, cycle: AllowanceCycle, emit) -> int:
    """A new attempt for every failed payment that may still be paid, in chunks of `CHUNK`."""
    sent, number = 0, cycle_rows.payments_made(session, cycle)
    while failed := session.execute(_resendable(cycle.id).order_by(AllowancePayment.id).limit(CHUNK)).all():
        rows = cycle_rows.reissue(session, cycle, failed, number)
        emit(DisbursementsRequested(items=[_command(cycle, row) for row in rows]))
        sent, number = sent + len(rows), number + len(rows)
    return sent


def release(session: Session, cycle_id: str, actor: str, emit) -> tuple[AllowanceCycle, dict]:
    """Send the prepared payments, or, once released, only those the rail refused (new
    attempts), after checking the programme's available funds cover them; a payment whose
    participant withdrew consent or left is STOPPED, not sent. Two releases at once queue on
    the cycle's row: the second finds it released. Answers the cycle and what this release did."""
    cycle = load(session, cycle_id, lock=True)
    if actor == cycle.prepared_by:
        raise SegregationOfDuties(f"{actor} prepared {cycle.id}; another finance user releases it")
    programme = programmes.load(session, cycle.programme)
    payments = cycle_rows.payments_of(cycle)
    if cycle.status == "PREPARED":
        stopped = _stop_withdrawn(session, cycle)
        amount = session.scalar(select(func.coalesce(func.sum(payments.amount), 0)).where(
            payments.cycle_id == cycle.id, payments.status == "PENDING"))
        if payments is AllowancePayment:  # grants were committed when approved
            budget.require_available(session, programme, Decimal(amount))
        sent = _send_pending(session, cycle, actor, emit)
    elif payments is Disbursement:
        raise IllegalTransition(f"grant cycle {cycle.id} is already released: a tranche that failed goes into "
                                f"the next grant cycle, or is released on its own")
    else:
        stopped = 0
        resendable = _resendable(cycle.id).subquery()
        amount = session.scalar(select(func.coalesce(func.sum(resendable.c.amount), 0)))
        if not amount:
            withdrawn = session.scalar(select(func.count()).select_from(AllowancePayment).where(
                AllowancePayment.cycle_id == cycle.id, AllowancePayment.status == "FAILED"))
            raise IllegalTransition(f"cycle {cycle.id} is already released and no payment to re-send failed"
                                    + (f" ({withdrawn} failed whose consent or case was withdrawn)"
                                       if withdrawn else ""))
        budget.require_available(session, programme, Decimal(amount))
        cycle.payment_prefix = cycle.payment_prefix or cycle_rows.new_prefix(session)
        sent = _send_failed(session, cycle, emit)
    cycle.status, cycle.released_by, cycle.released_at, cycle.completed_at = "RELEASED", actor, now(), None
    return cycle, {"sent": sent, "sent_amount": str(Decimal(amount).quantize(Decimal("0.01"))), "stopped": stopped}


def settled(session: Session, payment: AllowancePayment, event: DisbursementCompleted) -> None:
    payment.status, payment.settled_at, payment.rail_reference = "PAID", now(), event.rail_reference


def failed(session: Session, payment: AllowancePayment, event: DisbursementFailed) -> None:
    """The rail refused (or finance reversed it): the next release of the cycle sends it again."""
    payment.status, payment.settled_at, payment.failure_reason = "FAILED", now(), event.reason


def describe(session: Session, cycle: AllowanceCycle, groups=None, verdict=None) -> dict:
    """The cycle's declared count and total, progress by status and left-out counts: a few
    grouped queries, the same size whatever the cycle holds. Pseudonymous ids only."""
    groups = cycle_progress.by_status(session, cycle) if groups is None else groups
    view = {"cycle_id": cycle.id, "kind": cycle.kind, "programme": cycle.programme, "month": cycle.month, "status": cycle.status,
            "prepared_by": cycle.prepared_by, "prepared_at": cycle.prepared_at.isoformat(),
            "released_by": cycle.released_by,
            "released_at": cycle.released_at.isoformat() if cycle.released_at else None,
            "completed_at": cycle.completed_at.isoformat() if cycle.completed_at else None,
            "currency": cycle.currency, "declared_count": cycle.declared_count,
            "declared_total": str(cycle.declared_total) if cycle.declared_total is not None else None,
            "paid": str(groups["PAID"].amount if "PAID" in groups else cycle_progress.ZERO),
            "counts": {status: group.count for status, group in groups.items()},
            "progress": cycle_progress.progress(groups),
            "left_out_counts": cycle_progress.left_out_counts(session, cycle.id)}
    if verdict is not None:
        view["complete"], view["completion"] = verdict
    return view


def payments_page(session: Session, cycle_id: str, query: PageQuery) -> dict:
    """A page of the cycle's payment attempts by payment id, after `query.after`, of one
    status if asked; `next` is the `after` of the following page (None at the end)."""
    payments = cycle_rows.payments_of(load(session, cycle_id))
    rows = session.scalars(select(payments).where(
        payments.cycle_id == cycle_id, payments.id > (query.after or ""),
        *([payments.status == query.status] if query.status else []))
        .order_by(payments.id).limit(query.limit)).all()
    return {"cycle_id": cycle_id, "payments": [
        {"payment_id": p.id, "participant_id": p.participant_id, "amount": str(p.amount), "attempt": p.attempt,
         "idempotency_key": p.idempotency_key, "status": p.status, "rail_reference": p.rail_reference,
         "failure_reason": p.failure_reason} for p in rows],
        "next": rows[-1].id if len(rows) == query.limit else None}


def left_out_page(session: Session, cycle_id: str, query: PageQuery) -> dict:
    """A page of who the preparation left out, by participant id, of one code if asked."""
    load(session, cycle_id)
    rows = session.scalars(select(AllowanceLeftOut).where(
        AllowanceLeftOut.cycle_id == cycle_id, AllowanceLeftOut.participant_id > (query.after or ""),
        *([AllowanceLeftOut.code == query.code] if query.code else []))
        .order_by(AllowanceLeftOut.participant_id).limit(query.limit)).all()
    return {"cycle_id": cycle_id,
            "left_out": [{"participant_id": o.participant_id, "code": o.code, "reason": o.reason} for o in rows],
            "next": rows[-1].participant_id if len(rows) == query.limit else None}


def all_cycles(session: Session, programme: str | None = None) -> list[AllowanceCycle]:
    query = select(AllowanceCycle).order_by(AllowanceCycle.month.desc(), AllowanceCycle.programme)
    if programme:
        query = query.where(AllowanceCycle.programme == programme)
    return list(session.scalars(query))

"""A cycle's progress by status, and when it is complete.

Progress is one grouped query over the cycle's payment attempts: pending (prepared, not
sent), sent (awaiting the ledger's answer), paid, failed, held (STOPPED: never sent because
consent or the case was withdrawn, the reason kept on the payment) and re-issued (a failed
attempt that a later release sent again under a new attempt).

A cycle is complete when no payment waits (each is PAID, FAILED or STOPPED) and the ledger
agrees: its totals for the cycle show as much paid, in as many payments, as livelihoods
recorded, and as much failed or reversed as livelihoods' failed and re-issued attempts.
A payment the ledger never posted, or an answer livelihoods never got, keeps it incomplete.
A STOPPED payment was never sent, so the ledger knows nothing of it; a FAILED one can still be
re-issued, which makes the cycle RELEASED again until the new attempts settle.
"""
from decimal import Decimal
from typing import Callable, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods.models import AllowanceCycle, AllowanceLeftOut, AllowancePayment

LABELS = {"PENDING": "pending", "REQUESTED": "sent", "PAID": "paid", "FAILED": "failed", "STOPPED": "held",
          "REISSUED": "re-issued"}
WAITING = ("PENDING", "REQUESTED")
ZERO = Decimal("0.00")


class Group(NamedTuple):
    count: int
    amount: Decimal


class Verdict(NamedTuple):
    complete: bool
    why: str


def by_status(session: Session, cycle_id: str) -> dict[str, Group]:
    """Count and amount of the cycle's payment attempts per status: one grouped query."""
    return {status: Group(count, Decimal(amount or 0).quantize(ZERO)) for status, count, amount in session.execute(
        select(AllowancePayment.status, func.count(), func.sum(AllowancePayment.amount))
        .where(AllowancePayment.cycle_id == cycle_id).group_by(AllowancePayment.status))}


def progress(groups: dict[str, Group]) -> dict[str, dict]:
    return {label: {"count": groups.get(status, Group(0, ZERO)).count,
                    "amount": str(groups.get(status, Group(0, ZERO)).amount)} for status, label in LABELS.items()}


def left_out_counts(session: Session, cycle_id: str) -> dict[str, int]:
    return dict(session.execute(select(AllowanceLeftOut.code, func.count()).where(
        AllowanceLeftOut.cycle_id == cycle_id).group_by(AllowanceLeftOut.code)).tuples().all())


def _amount(groups: dict[str, Group], *statuses: str) -> Decimal:
    return sum((groups[s].amount for s in statuses if s in groups), ZERO)


def _count(groups: dict[str, Group], *statuses: str) -> int:
    return sum(groups[s].count for s in statuses if s in groups)


def judge(cycle: AllowanceCycle, groups: dict[str, Group], ledger_row: dict | None) -> Verdict:
    """Whether the cycle is complete, and why not; `ledger_row` is the ledger's totals row for
    the cycle (`totals(by="cycle")`), None when it has none."""
    if cycle.status == "PREPARED":
        return Verdict(False, "not released yet")
    if waiting := _count(groups, *WAITING):
        return Verdict(False, f"{waiting} of {cycle.declared_count} payments not settled yet")
    current = _count(groups, "PAID", "FAILED", "STOPPED")
    if current != cycle.declared_count or _amount(groups, "PAID", "FAILED", "STOPPED") != cycle.declared_total:
        return Verdict(False, f"the payments ({current}) do not add up to the {cycle.declared_count} declared")
    paid, failed = _amount(groups, "PAID"), _amount(groups, "FAILED", "REISSUED")
    ledger = ledger_row or {"paid": "0.00", "payments": 0, "failed": "0.00", "reversed": "0.00"}
    ledger_failed = Decimal(ledger["failed"]) + Decimal(ledger["reversed"])
    if (Decimal(ledger["paid"]), ledger["payments"]) != (paid, _count(groups, "PAID")):
        return Verdict(False, f"the ledger shows {ledger['paid']} paid in {ledger['payments']} payments, "
                              f"livelihoods {paid} in {_count(groups, 'PAID')}")
    if ledger_failed != failed:
        return Verdict(False, f"the ledger shows {ledger_failed} failed or reversed, livelihoods {failed}")
    return Verdict(True, f"every payment settled and the ledger's totals agree: {paid} paid, "
                         f"{_amount(groups, 'FAILED')} failed, {_amount(groups, 'STOPPED')} held")


def review(session: Session, cycle: AllowanceCycle, ledger_totals: Callable[[], list[dict]],
           now) -> tuple[dict[str, Group], Verdict]:
    """Progress, and the verdict; the ledger is asked only once nothing waits. A released cycle
    found complete is marked COMPLETE (the caller commits)."""
    groups = by_status(session, cycle.id)
    if cycle.status == "PREPARED" or _count(groups, *WAITING):
        return groups, judge(cycle, groups, None)
    row = next((r for r in ledger_totals() if r["cycle"] == cycle.id and r["currency"] == cycle.currency), None)
    verdict = judge(cycle, groups, row)
    if verdict.complete and cycle.status != "COMPLETE":
        cycle.status, cycle.completed_at = "COMPLETE", now
    elif not verdict.complete and cycle.status == "COMPLETE":
        cycle.status, cycle.completed_at = "RELEASED", None
    return groups, verdict

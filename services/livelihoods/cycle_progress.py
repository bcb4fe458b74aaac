"""A cycle's progress by status, and when it is complete.

Progress is one grouped query over the cycle's payment attempts: pending (prepared, not
sent), sent (awaiting the ledger's answer), paid, failed, held (STOPPED: never sent because
consent or the case was withdrawn, the reason kept on the payment) and re-issued (a failed
attempt that a later release sent again under a new attempt).

A cycle is complete when no payment waits (each is PAID, FAILED or STOPPED) and the ledger
agrees: its totals for the cycle show as much paid, in as many payments, as livelihoods
recorded, and as much failed or reversed as livelihoods' failed and re-issued attempts.
A payment the ledger never posted, or an answer livelihoods never got, keeps it incomplete.
The ledger answers from its index (`cycle_totals`); when it does not answer in time,
completion is unknown, not an error.
A STOPPED payment was never sent, so the ledger knows nothing of it; a FAILED one can still be
re-issued, which makes the cycle RELEASED again until the new attempts settle.
"""
from decimal import Decimal
from typing import Callable, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods import cycle_rows
from services.livelihoods.models import AllowanceCycle, AllowanceLeftOut, AllowancePayment, Disbursement

LABELS = {"PENDING": "pending", "REQUESTED": "sent", "PAID": "paid", "FAILED": "failed", "STOPPED": "held",
          "REISSUED": "re-issued"}
WAITING = ("PENDING", "REQUESTED")
ZERO = Decimal("0.00")


class Group(NamedTuple):
    count: int
    amount: Decimal


class Verdict(NamedTuple):
    complete: bool | None  # None: unknown (the ledger did not answer in time)
    why: str


def by_status(session: Session, cycle: AllowanceCycle) -> dict[str, Group]:
    """Count and amount of the cycle's payment attempts per status: one grouped query."""
    payments = cycle_rows.payments_of(cycle)
    return {status: Group(count, Decimal(amount or 0).quantize(ZERO)) for status, count, amount in session.execute(
        select(payments.status, func.count(), func.sum(payments.amount))
        .where(payments.cycle_id == cycle.id).group_by(payments.status))}


def open_cycles(session: Session) -> dict[tuple[str, str], int]:
    """Every cycle not complete: its payment attempts' count per status label, zeros included
    (the cycle progress metric, shared/metrics.py)."""
    unfinished = AllowanceCycle.status != "COMPLETE"
    counts = {}
    for payments in (AllowancePayment, Disbursement):  # a cycle's payments are in one of them
        query = (select(payments.cycle_id, payments.status, func.count())
                 .join(AllowanceCycle, AllowanceCycle.id == payments.cycle_id)
                 .where(unfinished).group_by(payments.cycle_id, payments.status))
        for cycle_id, status, count in session.execute(query):
            counts[(cycle_id, LABELS.get(status, status.lower()))] = count
    found = {(cycle_id, label): 0 for cycle_id in session.scalars(select(AllowanceCycle.id).where(unfinished))
             for label in LABELS.values()}
    return {**found, **counts}


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


def _ledger_group(by_status: dict, *statuses: str) -> Group:
    """The ledger's count and amount (`cycle_totals`' `by_status`) over some statuses."""
    return Group(sum(by_status[s]["count"] for s in statuses),
                 sum((Decimal(by_status[s]["amount"]) for s in statuses), ZERO))


def judge(cycle: AllowanceCycle, groups: dict[str, Group], ledger: dict | None) -> Verdict:
    """Whether the cycle is complete, and why not; `ledger` is the ledger's `cycle_totals` of
    the cycle, None when it did not answer in time (then completion is unknown: `complete`
    is None). Counts are compared as well as amounts: equal sums of unequal numbers of
    payments are not the same payments."""
    if cycle.status == "PREPARED":
        return Verdict(False, "not released yet")
    if waiting := _count(groups, *WAITING):
        return Verdict(False, f"{waiting} of {cycle.declared_count} payments not settled yet")
    current = _count(groups, "PAID", "FAILED", "STOPPED")
    if current != cycle.declared_count or _amount(groups, "PAID", "FAILED", "STOPPED") != cycle.declared_total:
        return Verdict(False, f"the payments ({current}) do not add up to the {cycle.declared_count} declared")
    if ledger is None:
        return Verdict(None, "unknown: the ledger did not answer in time")
    if ledger["currency"] not in (None, cycle.currency):
        return Verdict(False, f"the ledger holds the cycle in {ledger['currency']}, not {cycle.currency}")
    paid = Group(_count(groups, "PAID"), _amount(groups, "PAID"))
    failed = Group(_count(groups, "FAILED", "REISSUED"), _amount(groups, "FAILED", "REISSUED"))
    ledger_paid = _ledger_group(ledger["by_status"], "PAID")
    ledger_failed = _ledger_group(ledger["by_status"], "FAILED", "REVERSED", "HELD")
    if ledger_paid != paid:
        return Verdict(False, f"the ledger shows {ledger_paid.amount} paid in {ledger_paid.count} payments, "
                              f"livelihoods {paid.amount} in {paid.count}")
    if ledger_failed != failed:
        return Verdict(False, f"the ledger shows {ledger_failed.amount} failed, reversed or held in "
                              f"{ledger_failed.count} payments, livelihoods {failed.amount} in {failed.count}")
    return Verdict(True, f"every payment settled and the ledger's totals agree: {paid.amount} paid, "
                         f"{_amount(groups, 'FAILED')} failed, {_amount(groups, 'STOPPED')} held")


def review(session: Session, cycle: AllowanceCycle, ledger_totals: Callable[[], dict | None],
           now) -> tuple[dict[str, Group], Verdict]:
    """Progress, and the verdict; the ledger is asked only once nothing waits (`ledger_totals`
    answers its `cycle_totals`, or None when it did not answer in time). A released cycle found
    complete is marked COMPLETE, one found not complete RELEASED again; an unknown verdict
    changes nothing (the caller commits)."""
    groups = by_status(session, cycle)
    if cycle.status == "PREPARED" or _count(groups, *WAITING):
        return groups, judge(cycle, groups, None)
    verdict = judge(cycle, groups, ledger_totals())
    if verdict.complete and cycle.status != "COMPLETE":
        cycle.status, cycle.completed_at = "COMPLETE", now
    elif verdict.complete is False and cycle.status == "COMPLETE":
        cycle.status, cycle.completed_at = "RELEASED", None
    return groups, verdict

"""Grant tranche cycles: the next tranche of every approved or disbursing application of a
programme, paid together as one payment cycle (the cycle machinery of `allowances`).

Preparing one checks each application as a release on its own does (`tranches.release`): the
programme's conditions and the tranche's own, again; an application that no longer complies
is paused and left out with the reason, one whose tranche is already being paid (on its
own or in another cycle) is left out too. Each tranche due becomes a PENDING disbursement of
the cycle, keyed like any tranche (`grant:<application>:t<n>:a<attempt>`), so a tranche is
never paid twice whichever way it goes. The release (by another finance user) sends them in
chunks and marks the applications DISBURSING with a line in each one's history. The grants
were committed to the budget when approved, so the release commits nothing new. A tranche
that fails goes into a later cycle, or is released on its own.
"""
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.livelihoods import cycle_rows, eligibility, entitlements, programmes, tranches
from services.livelihoods.grants import now
from services.livelihoods.models import (AllowanceCycle, AllowanceLeftOut, Disbursement, GrantApplication,
                                         GrantDecision, ParticipantFacts)
from services.livelihoods.schemas import PrepareGrantCycle
from shared.errors import Conflict
from shared.ids import unused_id

PREFIX = tranches.PREFIX
CHUNK = 500  # applications screened together
IN_PAYMENT = ("PENDING", "REQUESTED")


def _screen(session: Session, programme, applications: list[GrantApplication]):
    """(due, left out) of a chunk: due as (application, tranche number, attempt), left out as rows."""
    earlier = defaultdict(list)
    for d in session.scalars(select(Disbursement).where(
            Disbursement.application_id.in_([a.id for a in applications]))):
        earlier[d.application_id].append(d)
    known = set(session.scalars(select(ParticipantFacts.participant_id).where(
        ParticipantFacts.participant_id.in_([a.participant_id for a in applications]))))
    due, left_out = [], []

    def leave_out(application, code, reason):
        left_out.append({"participant_id": application.participant_id, "code": code,
                         "reason": f"{application.id}: {reason}"})

    for application in applications:
        made = earlier[application.id]
        paid = {d.tranche for d in made if d.status == "PAID"}
        unpaid = [n for n in range(1, len(programme.tranches) + 1) if n not in paid]
        if not unpaid:
            continue
        if any(d.status in IN_PAYMENT for d in made):
            leave_out(application, "TRANCHE_IN_PAYMENT", "a tranche is already being paid")
            continue
        if application.participant_id not in known:
            leave_out(application, "UNKNOWN_PARTICIPANT", "the participant is not known to livelihoods")
            continue
        number = unpaid[0]
        facts = eligibility.gather_facts(session, programme, application.participant_id, application.id)
        report = eligibility.evaluate(programme, facts, programme.tranches[number - 1].get("conditions"))
        if not report["eligible"]:
            reason = f"tranche {number}: {eligibility.failing_reasons(report)}"
            tranches.pause(session, application, reason)
            leave_out(application, "CONDITIONS_NOT_MET", reason)
            continue
        tranches.resume(session, application)
        due.append((application, number, 1 + sum(d.tranche == number for d in made)))
    return due, left_out


def prepare(session: Session, command: PrepareGrantCycle, actor: str, today: date) -> AllowanceCycle:
    """A PREPARED grant cycle with a PENDING disbursement per tranche due, its count and total
    declared, who was left out kept with the reason; refused (nothing kept) when none is due."""
    programme = programmes.load(session, command.programme)
    cycle = AllowanceCycle(id=unused_id(session, AllowanceCycle, "GC-", 8), kind="GRANT", programme=programme.code,
                           month=str(entitlements.Month.of(today)), status="PREPARED", prepared_by=actor,
                           prepared_at=now(), currency=programme.currency,
                           payment_prefix=cycle_rows.new_prefix(session))
    session.add(cycle)
    session.flush()
    count, total, reasons, after = 0, Decimal("0.00"), Counter(), ""
    while applications := list(session.scalars(select(GrantApplication).where(
            GrantApplication.programme == programme.code, GrantApplication.status.in_(("APPROVED", "DISBURSING")),
            GrantApplication.id > after).order_by(GrantApplication.id).limit(CHUNK))):
        after = applications[-1].id
        due, left_out = _screen(session, programme, applications)
        rows = [{"id": cycle_rows.payment_id(cycle.payment_prefix, count + n, PREFIX), "cycle_id": cycle.id,
                 "application_id": a.id, "participant_id": a.participant_id, "tranche": number, "attempt": attempt,
                 "idempotency_key": f"grant:{a.id}:t{number}:a{attempt}",
                 "amount": tranches.amounts(a, programme.tranches)[number - 1], "currency": a.currency,
                 "status": "PENDING", "requested_by": actor, "requested_at": cycle.prepared_at}
                for n, (a, number, attempt) in enumerate(due)]
        if rows:
            session.execute(insert(Disbursement), rows)
            count, total = count + len(rows), total + sum(r["amount"] for r in rows)
        if left_out:
            session.execute(insert(AllowanceLeftOut), [{"cycle_id": cycle.id, **o} for o in left_out])
            reasons.update(o["code"] for o in left_out)
    if not count:
        raise Conflict(f"no grant tranche of {programme.code} is due"
                       + (": " + ", ".join(f"{n} {code}" for code, n in sorted(reasons.items())) if reasons else ""))
    cycle.declared_count, cycle.declared_total = count, total.quantize(Decimal("0.01"))
    return cycle


def sent(session: Session, cycle: AllowanceCycle, payment_ids: list[str], actor: str) -> None:
    """After a chunk of the cycle's disbursements went out: who released them, and each
    application DISBURSING with a RELEASE line in its history."""
    at = now()
    session.execute(update(Disbursement).where(Disbursement.id.in_(payment_ids))
                    .values(requested_by=actor, requested_at=at).execution_options(synchronize_session=False))
    released = session.execute(select(Disbursement.application_id, Disbursement.tranche).where(
        Disbursement.id.in_(payment_ids))).all()
    session.execute(update(GrantApplication).where(GrantApplication.id.in_([a for a, _ in released]))
                    .values(status="DISBURSING", updated_at=at, version=GrantApplication.version + 1)
                    .execution_options(synchronize_session=False))
    session.execute(insert(GrantDecision), [
        {"application_id": application_id, "action": "RELEASE", "actor": actor, "role": "finance",
         "reason": f"tranche {tranche} in cycle {cycle.id}", "at": at} for application_id, tranche in released])

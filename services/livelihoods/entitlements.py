"""Who is due an allowance for a month, judged by that month's phases, not today's.

A cycle is for the current month, or for the previous one during the first `grace_days`
days of this one; never a future month, never a month before the programme started. A
participant is due when their consent is active and their case not withdrawn, they were in
one of the allowance's phases at some time during the month (their phase history), the
month is one of their first `months` months of aftercare (the month aftercare began is the
first; months before it are not counted), no earlier cycle holds their allowance of the
programme for that month, and they meet the allowance's own conditions, if it has any.
Months are calendar months in UTC.
"""
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.livelihoods import eligibility
from services.livelihoods.conditions import parse_conditions
from services.livelihoods.models import AllowanceEntitlement, ParticipantFacts, PhaseHistory, Programme
from services.livelihoods.schemas import Allowance
from shared.errors import ValidationFailed

AFTERCARE = "AFTERCARE"
CHUNK = 500  # participants screened together (one query each for histories, consent, holdings, facts)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        year, month = text.split("-")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, moment: date) -> "Month":
        return cls(moment.year, moment.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def plus(self, months: int) -> "Month":
        serial = self.year * 12 + self.month - 1 + months
        return Month(serial // 12, serial % 12 + 1)

    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Span:
    """A phase held from `since` until `until` (None: still held)."""
    phase: str
    since: datetime
    until: datetime | None

    def during(self, month: Month) -> bool:
        return self.since < month.plus(1).start() and (self.until is None or self.until > month.start())


@dataclass(frozen=True)
class LeftOut:
    code: str
    reason: str


def check_month(programme: Programme, month: Month, today: date, grace_days: int) -> None:
    """Refuse a cycle for a month that is not payable today, saying which months are."""
    current = Month.of(today)
    previous = current.plus(-1)
    payable = f"{current}, or {previous} until {current}-{grace_days:02d}" if grace_days else str(current)
    if month > current:
        raise ValidationFailed(f"{month} has not begun: allowance cycles are for {payable}")
    if month < Month.of(programme.starts_on):
        raise ValidationFailed(f"{programme.code} started on {programme.starts_on.isoformat()}: "
                               f"no allowance is due for {month}")
    if month < current and not (month == previous and today.day <= grace_days):
        raise ValidationFailed(f"{month} is closed: allowance cycles are for {payable}")


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive times (stored in UTC), PostgreSQL aware ones."""
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def spans(history: list[tuple[str, datetime]]) -> list[Span]:
    """The phases one after the other, from (phase, since) rows in any order."""
    ordered = sorted((utc(since), phase) for phase, since in history)
    ends = [since for since, _ in ordered[1:]] + [None]
    return [Span(phase, since, until) for (since, phase), until in zip(ordered, ends)]


def judge(month: Month, allowance: Allowance, consent_active: bool, held: list[Span]) -> LeftOut | None:
    """Why a participant is not due for the month by consent and phases, or None if they are."""
    if not consent_active:
        return LeftOut("CONSENT_WITHDRAWN", "consent withdrawn")
    if held[-1].phase == "WITHDRAWN":
        return LeftOut("CASE_WITHDRAWN", f"case withdrawn on {held[-1].since.date().isoformat()}")
    phases = sorted({span.phase for span in held if span.during(month)})
    if not set(phases) & set(allowance.phases):
        return LeftOut("NOT_IN_PHASE", f"in {', '.join(phases) or 'no phase yet'} during {month}, "
                                       f"not {' or '.join(allowance.phases)}")
    aftercare = next((span.since for span in held if span.phase == AFTERCARE), None)
    if aftercare is not None and month >= Month.of(aftercare).plus(allowance.months):
        number = (month.year - aftercare.year) * 12 + month.month - aftercare.month + 1
        return LeftOut("AFTERCARE_MONTHS_OVER", f"{month} is month {number} of aftercare (from "
                                                f"{aftercare.date().isoformat()}); the allowance pays "
                                                f"the first {allowance.months}")
    return None


def _concerned(session: Session, phases: list[str], after: str, limit: int) -> list[str]:
    """The next `limit` participants (by id, after `after`) who were ever in one of `phases`:
    a walk of `participant_facts` by its primary key, each one's history looked up by its
    own, so a chunk costs the same at the end of a million as at the start (a walk of
    `phase_history` by phase sorted every remaining row at each chunk)."""
    ever = select(PhaseHistory.participant_id).where(PhaseHistory.participant_id == ParticipantFacts.participant_id,
                                                    PhaseHistory.phase.in_(phases))
    return list(session.scalars(select(ParticipantFacts.participant_id)
                                .where(ParticipantFacts.participant_id > after, ever.exists())
                                .order_by(ParticipantFacts.participant_id).limit(limit)))


def _histories(session: Session, participant_ids: list[str]) -> dict[str, list[Span]]:
    rows = defaultdict(list)
    for participant_id, phase, since in session.execute(
            select(PhaseHistory.participant_id, PhaseHistory.phase, PhaseHistory.since)
            .where(PhaseHistory.participant_id.in_(participant_ids))):
        rows[participant_id].append((phase, since))
    return {participant_id: spans(history) for participant_id, history in rows.items()}


def _conditions_failing(session: Session, programme: Programme, allowance: Allowance,
                        participant_ids: list[str]) -> dict[str, str]:
    """Who fails the allowance's own conditions, and why; nobody when it has none."""
    if not allowance.conditions or not participant_ids:
        return {}
    rules = parse_conditions(allowance.conditions)
    failing = {}
    for participant_id, facts in eligibility.gather_facts_many(session, programme, participant_ids).items():
        reasons = [o.reason for o in (rule.check(facts) for rule in rules) if not o.passed]
        if reasons:
            failing[participant_id] = "; ".join(reasons)
    return failing


def screen(session: Session, programme: Programme, allowance: Allowance,
           month: Month) -> Iterator[tuple[list[str], list[dict]]]:
    """Who is due for the month, and who is left out with a code and the reason: everyone
    in one of the allowance's phases at some time since the month began. Yields a chunk of
    `CHUNK` participants at a time, so a million participants never sit in memory at once."""
    after = ""
    while chunk := _concerned(session, allowance.phases, after, CHUNK):
        after = chunk[-1]
        histories = _histories(session, chunk)
        concerned = [pid for pid in chunk
                     if any(s.phase in allowance.phases and (s.until is None or s.until > month.start())
                            for s in histories[pid])]
        consent = dict(session.execute(select(ParticipantFacts.participant_id, ParticipantFacts.consent_active)
                                       .where(ParticipantFacts.participant_id.in_(concerned))).tuples().all())
        held_by = dict(session.execute(select(AllowanceEntitlement.participant_id, AllowanceEntitlement.cycle_id)
                                       .where(AllowanceEntitlement.programme == programme.code,
                                              AllowanceEntitlement.month == str(month),
                                              AllowanceEntitlement.participant_id.in_(concerned))).tuples().all())
        verdicts = {}
        for participant_id in concerned:
            verdicts[participant_id] = judge(month, allowance, consent.get(participant_id, False),
                                             histories[participant_id])
            if verdicts[participant_id] is None and participant_id in held_by:
                verdicts[participant_id] = LeftOut("ALREADY_IN_CYCLE", f"the {month} allowance is already in "
                                                                       f"cycle {held_by[participant_id]}")
        failing = _conditions_failing(session, programme, allowance, [p for p, v in verdicts.items() if v is None])
        for participant_id, reason in failing.items():
            verdicts[participant_id] = LeftOut("CONDITIONS_NOT_MET", reason)
        yield ([p for p, verdict in verdicts.items() if verdict is None],
               [{"participant_id": p, "code": v.code, "reason": v.reason} for p, v in verdicts.items() if v])

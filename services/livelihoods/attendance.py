"""The attendance projection: one mark per participant and session, from enrollment's
`attendance.recorded` events, so attendance can be judged while a cohort still runs.

A session recorded again is a correction: it replaces the marks of the participants it
lists and leaves the others alone. Each event is one upsert statement, so a redelivery
or two workers applying the same session never collide on the primary key.
"""
from sqlalchemy import case, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.livelihoods.conditions import CohortAttendance
from services.livelihoods.models import AttendanceMark
from shared.contracts import AttendanceRecorded
from shared.errors import ValidationFailed

_UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def recorded(session: Session, event: AttendanceRecorded) -> None:
    both = set(event.present) & set(event.absent)
    if both:
        raise ValidationFailed(f"session {event.session_date} of cohort {event.cohort_id} marks "
                               f"{', '.join(sorted(both))} both present and absent")
    marks = {**dict.fromkeys(event.absent, False), **dict.fromkeys(event.present, True)}
    if not marks:
        return
    insert = _UPSERT_INSERTS[session.get_bind().dialect.name](AttendanceMark)
    rows = [{"participant_id": participant_id, "cohort_id": event.cohort_id,
             "session_date": event.session_date, "track": event.track, "present": present,
             "recorded_at": event.recorded_at}
            for participant_id, present in marks.items()]
    session.execute(insert.values(rows).on_conflict_do_update(
        index_elements=["participant_id", "cohort_id", "session_date"],
        set_={"track": insert.excluded.track, "present": insert.excluded.present,
              "recorded_at": insert.excluded.recorded_at},
        where=AttendanceMark.recorded_at <= insert.excluded.recorded_at))


def by_cohort(session: Session, participant_ids: list[str]) -> dict[str, list[CohortAttendance]]:
    """For each participant, each cohort they have marks in, in the order its first
    session came (one pair of queries for many participants).

    Held counts every session recorded for the cohort, so a session the participant is
    not listed in still counts as held.
    """
    rows = session.execute(
        select(AttendanceMark.participant_id, AttendanceMark.cohort_id, func.min(AttendanceMark.track),
               func.sum(case((AttendanceMark.present, 1), else_=0)))
        .where(AttendanceMark.participant_id.in_(participant_ids))
        .group_by(AttendanceMark.participant_id, AttendanceMark.cohort_id)
        .order_by(AttendanceMark.participant_id, func.min(AttendanceMark.session_date),
                  AttendanceMark.cohort_id)).all()
    held = dict(session.execute(
        select(AttendanceMark.cohort_id, func.count(distinct(AttendanceMark.session_date)))
        .where(AttendanceMark.cohort_id.in_({row[1] for row in rows}))
        .group_by(AttendanceMark.cohort_id)).all()) if rows else {}
    found: dict[str, list[CohortAttendance]] = {pid: [] for pid in participant_ids}
    for participant_id, cohort_id, track, attended in rows:
        found[participant_id].append(CohortAttendance(cohort_id=cohort_id, track=track,
                                                      sessions_held=held[cohort_id], sessions_attended=int(attended)))
    return found

"""The audit trail: who did what to which target, when, and how it ended.

Rows are only ever inserted; nothing here updates or deletes them, and the database's
triggers refuse it (see the migration). The HTTP layer writes one row per state-changing
request; sign-in writes one per attempt, with the reason of a refusal.
"""
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.gateway.models import as_utc, audit_events

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id(offered: str | None) -> str:
    """The caller's X-Request-Id when it is a short plain token, else a new one."""
    return offered if offered and REQUEST_ID.match(offered) else uuid.uuid4().hex


def record(session: Session, *, username: str | None, role: str | None, action: str, target: str | None,
           outcome: str, request_id: str) -> None:
    """Append one event inside the caller's transaction."""
    session.execute(insert(audit_events).values(
        at=datetime.now(timezone.utc), username=username, role=role, action=action[:200],
        target=None if target is None else target[:300], outcome=outcome[:60], request_id=request_id))


class AuditQuery(BaseModel):
    """A page of the trail, newest first; `action` matches its beginning (e.g. `POST /grants`);
    `since` and `until` are days (UTC), both included."""
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10**9)
    username: str | None = Field(default=None, max_length=60)
    action: str | None = Field(default=None, max_length=200)
    since: date | None = None
    until: date | None = None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def page(session: Session, query: AuditQuery) -> dict:
    where = []
    if query.username is not None:
        where.append(audit_events.c.username == query.username)
    if query.action is not None:
        where.append(audit_events.c.action.startswith(query.action, autoescape=True))
    if query.since is not None:
        where.append(audit_events.c.at >= _midnight(query.since))
    if query.until is not None:
        where.append(audit_events.c.at < _midnight(query.until + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(audit_events).where(*where))
    rows = session.execute(select(audit_events).where(*where).order_by(audit_events.c.id.desc())
                           .limit(query.limit).offset(query.offset)).mappings()
    return {"total": total, "limit": query.limit, "offset": query.offset,
            "events": [{**row, "at": as_utc(row["at"]).isoformat()} for row in rows]}

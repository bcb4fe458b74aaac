"""UTC timestamps that compare and print the same on SQLite (which drops the zone) and PostgreSQL."""
from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()

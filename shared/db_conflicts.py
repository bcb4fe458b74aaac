"""Races the database settles end as a typed conflict, on every database.

Two people acting at once can both pass the rules' checks; the database then refuses the
loser: a version that moved (`StaleDataError`), a unique key already taken by the winner
(an IntegrityError, at an autoflush or at commit), or, on PostgreSQL, a deadlock or a
serialisation failure, and on SQLite a write lock not granted in time. Each of those is a
`ConcurrentUpdate` that says what happened; any other integrity error is a fault, not a race.
`transaction()` is the one way a transaction begins, so no race anywhere is a 500.
"""
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shared.errors import ConcurrentUpdate

RACE_STATES = {"23505", "40P01", "40001"}  # PostgreSQL: unique violation, deadlock, serialisation failure
RACE_SQLITE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"}
SOMEONE_ELSE = "someone else changed the same records at the same moment"


def _race(exc: DBAPIError, what_happened: dict[str, str]) -> str | None:
    """What the loser of a race should be told, or None when the error is not a race."""
    fields = exc.orig.args[0] if exc.orig.args and isinstance(exc.orig.args[0], dict) else None
    if fields is not None:  # pg8000 gives PostgreSQL's error fields: code, table, …
        return what_happened.get(fields.get("t"), SOMEONE_ELSE) if fields.get("C") in RACE_STATES else None
    if getattr(exc.orig, "sqlite_errorname", None) in RACE_SQLITE:
        detail = str(exc.orig).partition(": ")[2]  # "UNIQUE constraint failed: <table>.<column>, …"
        return what_happened.get(detail.partition(".")[0], SOMEONE_ELSE)
    return None


@contextmanager
def races_as_conflicts(what_happened: dict[str, str]):
    """A race lost to the database inside the block is a `ConcurrentUpdate`; `what_happened`
    tells the loser, per table whose unique key it hit, what happened in the service's words."""
    try:
        yield
    except StaleDataError:
        raise ConcurrentUpdate("changed by someone else at the same time; reload and try again") from None
    except DBAPIError as exc:
        told = _race(exc, what_happened)
        if told is None:
            raise
        raise ConcurrentUpdate(f"{told}; nothing was changed by this request: reload and look before "
                               f"trying again") from None


@contextmanager
def transaction(session: Session, what_happened: dict[str, str] | None = None):
    """`session.begin()`, where a race lost to the database is a `ConcurrentUpdate` saying
    what happened (`what_happened`: per table whose unique key it hit)."""
    with races_as_conflicts(what_happened or {}), session.begin():
        yield session

"""Enrollments of the same person queue instead of racing past the duplicate check.

A duplicate check reads committed rows only: two officers enrolling the same person at the
same moment would both find nobody and create two participants. So before it looks, an
enrollment takes the claim rows of the person's blind keys (inserting those never seen,
locking those that exist) in its own transaction. The second officer waits until the first
commits, then finds the first's participant, and gets the answer they would have had a
moment later: already enrolled (an exact match) or held as a possible duplicate. One pass
over the keys in sorted order takes every claim, so two enrollments never wait on each other
in a circle.

On SQLite the claim is the transaction's first write: the write lock queues the second
enrollment before it reads anything.
"""
from functools import cache

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.enrollment.models import IdentityClaim
from services.enrollment.pii import BlindKeys


@cache
def _upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE: inserts a key never seen, locks one that exists. Built
    once per dialect, so SQLAlchemy compiles it once (a statement listing its values would be
    compiled again for every chunk)."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](IdentityClaim.__table__)
    return insert.on_conflict_do_update(index_elements=["key"], set_={"key": insert.excluded.key})


def take(session: Session, people: list[BlindKeys]) -> None:
    """Hold the claims of these people's keys until the transaction ends, in key order."""
    keys = sorted({key for person in people for key in (person.national_id, person.phone, person.name_dob)})
    if keys:
        connection = session.connection()
        connection.execute(_upsert(connection.dialect.name), [{"key": key} for key in keys])

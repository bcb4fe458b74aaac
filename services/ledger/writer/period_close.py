"""Period close: sign-off closes the ledger up to its statement's last day, and nothing
dated on or before that day is ever written again. An entry that belongs to the closed
period (a late fee, an adjustment, a correction, funding, a rail's answer, a journal
entry) is dated on the first open day and keeps its own date as `original-date:`.
Re-opening is asked for by one finance user with a reason and approved by another."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book.data import Transaction
from services.ledger.models import PeriodClose, ReopenRequest
from shared.errors import Conflict, NotFound, PeriodClosed, SegregationOfDuties, ValidationFailed

ORIGINAL_DATE = "original-date"


def closed_through(session: Session) -> date | None:
    """The last closed day, or None while nothing is closed."""
    latest = session.scalar(select(PeriodClose).order_by(PeriodClose.id.desc()).limit(1))
    return latest.closed_through if latest else None


def in_open_period(txn: Transaction, closed: date | None) -> Transaction:
    """The transaction as the ledger may write it: moved to the first open day, with its
    own date kept as metadata, when it is dated inside the closed period."""
    if closed is None or txn.day > closed:
        return txn
    return replace(txn, day=closed + timedelta(days=1), meta={**txn.meta, ORIGINAL_DATE: txn.day.isoformat()})


def refuse_overlap(session: Session, first_day: date, what: str) -> None:
    closed = closed_through(session)
    if closed is not None and first_day <= closed:
        raise PeriodClosed(f"{what} starts on {first_day}, inside the period closed through {closed}; "
                           "only days after it can be reconciled (re-opening needs a second finance user)")


def close(session: Session, through: date, statement_id: str, user: str, today: date) -> None:
    """Close the ledger up to `through`, a day that is over."""
    if through >= today:
        raise Conflict(f"{through} is not over yet: a statement ending on {through} is signed off from "
                       f"{through + timedelta(days=1)}")
    refuse_overlap(session, through, f"the period up to {through}")
    session.add(PeriodClose(closed_through=through, statement_id=statement_id, changed_by=user,
                            changed_at=datetime.now(timezone.utc)))


def request_reopen(session: Session, reopen_from: date, reason: str, user: str) -> ReopenRequest:
    closed = closed_through(session)
    if closed is None or reopen_from > closed:
        raise ValidationFailed(f"{reopen_from} is not in the closed period (closed through {closed})")
    request = ReopenRequest(reopen_from=reopen_from, reason=reason, status="REQUESTED", requested_by=user,
                            requested_at=datetime.now(timezone.utc))
    session.add(request)
    session.flush()
    return request


def approve_reopen(session: Session, request_id: int, user: str) -> ReopenRequest:
    """The second finance user's approval: the period is closed through the day before."""
    request = session.get(ReopenRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no re-open request {request_id}")
    if request.status != "REQUESTED":
        raise Conflict(f"re-open request {request_id} is {request.status}")
    if request.requested_by == user:
        raise SegregationOfDuties("re-opening needs a second finance user: the requester does not approve")
    closed = closed_through(session)
    if closed is None or request.reopen_from > closed:
        raise Conflict(f"{request.reopen_from} is no longer in the closed period (closed through {closed})")
    now = datetime.now(timezone.utc)
    request.status, request.approved_by, request.approved_at = "APPROVED", user, now
    session.add(PeriodClose(closed_through=request.reopen_from - timedelta(days=1), reopen_request=request.id,
                            changed_by=user, changed_at=now))
    return request


def describe(session: Session) -> dict:
    """The closed period, its history and the re-open requests, for finance."""
    closes = session.scalars(select(PeriodClose).order_by(PeriodClose.id.desc())).all()
    requests = session.scalars(select(ReopenRequest).order_by(ReopenRequest.id.desc())).all()
    closed = closes[0].closed_through if closes else None
    return {"closed_through": closed.isoformat() if closed else None,
            "first_open_day": (closed + timedelta(days=1)).isoformat() if closed else None,
            "history": [{"closed_through": c.closed_through.isoformat() if c.closed_through else None,
                         "statement_id": c.statement_id, "reopen_request": c.reopen_request,
                         "changed_by": c.changed_by, "changed_at": c.changed_at.isoformat()} for c in closes],
            "reopen_requests": [reopen_view(r) for r in requests]}


def reopen_view(request: ReopenRequest) -> dict:
    return {"id": request.id, "reopen_from": request.reopen_from.isoformat(), "reason": request.reason,
            "status": request.status, "requested_by": request.requested_by, "approved_by": request.approved_by}

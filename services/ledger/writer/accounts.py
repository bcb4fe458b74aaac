"""Closing an account: asked for by one finance user with a reason, approved by another
(maker-checker, like journal entries), and only then a `close` directive chained in the
chart of accounts like `open`. Refused while the account holds money or is one the ledger
posts to on its own, both when asked and when approved. Nothing is posted to a closed
account again: every append checks (LedgerWriter.append), and so do finance's entries
before they are kept (books.legs)."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.data import Close
from services.ledger.models import AccountBalance, ChainHead, CloseRequest, ClosedAccount, OpenAccount
from services.ledger.writer.posting import LedgerWriter, chain_head
from shared.errors import AccountClosed, Conflict, NotFound, SegregationOfDuties


def request_close(session: Session, rail: str, account: str, reason: str, user: str) -> tuple[CloseRequest, bool]:
    """The request and whether it is new (False: this account's close is already awaiting approval)."""
    waiting = session.scalar(select(CloseRequest).where(CloseRequest.account == account,
                                                        CloseRequest.status == "REQUESTED").with_for_update())
    if waiting is not None:
        return waiting, False
    _closable(session, rail, account)
    request = CloseRequest(account=account, reason=reason, status="REQUESTED", requested_by=user,
                           requested_at=datetime.now(timezone.utc))
    session.add(request)
    session.flush()
    return request, True


def approve_close(session: Session, ledger: LedgerWriter, request_id: int, user: str, today: date) -> CloseRequest:
    """The second finance user's approval appends the `close` directive, dated `today`."""
    request = session.get(CloseRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no request {request_id} to close an account")
    if request.status != "REQUESTED":
        raise Conflict(f"request {request_id} to close {request.account} is {request.status} "
                       f"(approved by {request.approved_by})")
    if request.requested_by == user:
        raise SegregationOfDuties("closing an account needs a second finance user: the requester does not approve")
    closed = session.get(ClosedAccount, request.account, with_for_update=True)
    if closed is None:  # else a crash came after the append: recovery found the close in the chart
        _closable(session, ledger.rail.name, request.account)
        head = chain_head(session, ChainHead.CHART)
        head.head_hash = ledger.files.append(Close(today, request.account), head.head_hash)
        head.entries += 1
        closed = ClosedAccount(account=request.account, closed_on=today, closed_at=datetime.now(timezone.utc))
        session.add(closed)
    closed.reason, closed.requested_by, closed.closed_by = request.reason, request.requested_by, user
    request.status, request.approved_by, request.approved_at = "APPROVED", user, datetime.now(timezone.utc)
    session.flush()
    return request


def _closable(session: Session, rail: str, account: str) -> None:
    if session.get(OpenAccount, account) is None:
        raise NotFound(f"unknown account {account}: it is not open in the ledger")
    if (closed := session.get(ClosedAccount, account)) is not None:
        raise Conflict(f"{account} was closed on {closed.closed_on}")
    if account in chart.posted_by_the_ledger(rail):
        raise Conflict(f"{account} is posted to by the ledger itself and stays open")
    held = {row.currency: row.balance for row in session.scalars(
        select(AccountBalance).where(AccountBalance.account == account, AccountBalance.balance != 0))}
    if held:
        raise Conflict(f"{account} still holds {', '.join(f'{v} {c}' for c, v in sorted(held.items()))}: "
                       "move it out with a journal entry before closing the account")


def closed_among(session: Session, accounts) -> dict[str, date]:
    """Which of `accounts` are closed, and since when."""
    return dict(session.execute(select(ClosedAccount.account, ClosedAccount.closed_on).where(
        ClosedAccount.account.in_(set(accounts)))).all())


def refuse_closed(session: Session, accounts) -> None:
    if closed := closed_among(session, accounts):
        raise AccountClosed(f"account {', '.join(f'{a} (closed on {d})' for a, d in sorted(closed.items()))} "
                            "is closed: nothing is posted to it")


def request_view(session: Session, request: CloseRequest) -> dict:
    closed = session.get(ClosedAccount, request.account) if request.status == "APPROVED" else None
    return {"id": request.id, "account": request.account, "reason": request.reason, "status": request.status,
            "requested_by": request.requested_by, "approved_by": request.approved_by,
            "closed_on": closed.closed_on.isoformat() if closed else None}


def listed(session: Session) -> list[dict]:
    """The requests to close an account, the latest first."""
    return [request_view(session, request)
            for request in session.scalars(select(CloseRequest).order_by(CloseRequest.id.desc()))]

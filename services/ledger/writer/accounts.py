"""Closing an account: a `close` directive chained in the chart of accounts like `open`,
refused while the account holds money or is one the ledger posts to on its own. Nothing is
posted to a closed account again: every append checks (LedgerWriter.append), and so do
finance's entries before they are kept (books.legs)."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.data import Close
from services.ledger.models import AccountBalance, ChainHead, ClosedAccount, OpenAccount
from services.ledger.writer.posting import LedgerWriter, chain_head
from shared.errors import AccountClosed, Conflict, ValidationFailed


def close(session: Session, ledger: LedgerWriter, account: str, reason: str, user: str,
          today: date) -> tuple[ClosedAccount, bool]:
    """The account closed as of `today`, and whether it is new (False: it was closed before)."""
    if session.get(OpenAccount, account) is None:
        raise ValidationFailed(f"unknown account {account}: it is not open in the ledger")
    existing = session.get(ClosedAccount, account, with_for_update=True)
    if existing is not None:
        return existing, False
    if account in chart.posted_by_the_ledger(ledger.rail.name):
        raise Conflict(f"{account} is posted to by the ledger itself and stays open")
    held = {row.currency: row.balance for row in session.scalars(
        select(AccountBalance).where(AccountBalance.account == account, AccountBalance.balance != 0))}
    if held:
        raise Conflict(f"{account} still holds {', '.join(f'{v} {c}' for c, v in sorted(held.items()))}: "
                       "move it out with a journal entry before closing the account")
    head = chain_head(session, ChainHead.CHART)
    head.head_hash = ledger.files.append(Close(today, account), head.head_hash)
    head.entries += 1
    closed = ClosedAccount(account=account, closed_on=today, reason=reason, closed_by=user,
                           closed_at=datetime.now(timezone.utc))
    session.add(closed)
    session.flush()
    return closed, True


def closed_among(session: Session, accounts) -> dict[str, date]:
    """Which of `accounts` are closed, and since when."""
    return dict(session.execute(select(ClosedAccount.account, ClosedAccount.closed_on).where(
        ClosedAccount.account.in_(set(accounts)))).all())


def refuse_closed(session: Session, accounts) -> None:
    if closed := closed_among(session, accounts):
        raise AccountClosed(f"account {', '.join(f'{a} (closed on {d})' for a, d in sorted(closed.items()))} "
                            "is closed: nothing is posted to it")


def view(closed: ClosedAccount) -> dict:
    return {"account": closed.account, "closed_on": closed.closed_on.isoformat(), "reason": closed.reason,
            "closed_by": closed.closed_by}

"""Sign-in throttling with growing delays, per account from one client address and per
client address.

A wrong guess costs the guesser, not the account's owner: failures from one address make
that address (for that account, and past a larger allowance for any account) wait before
its next attempt — 1 s, 2 s, 4 s, … up to `sign_in_max_delay_seconds` — while the owner
signing in from their own address is not slowed. Unknown usernames are throttled exactly
like real ones, so the delays tell nothing about which accounts exist. A success ends the
account's delay from that address; an address's own count is forgotten after
`sign_in_forget_minutes` without a failure.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.gateway.models import SignInThrottle, as_utc

DEFAULTS = {"sign_in_free_attempts": 5, "sign_in_free_attempts_per_address": 20,
            "sign_in_max_delay_seconds": 900, "sign_in_forget_minutes": 60}


def account_key(username: str, address: str) -> str:
    return f"account:{username}@{address}"


def address_key(address: str) -> str:
    return f"address:{address}"


def _free_attempts(key: str, settings: dict) -> int:
    return settings["sign_in_free_attempts" if key.startswith("account:") else "sign_in_free_attempts_per_address"]


def wait_seconds(session: Session, username: str, address: str, now: datetime) -> int:
    """How long this address must still wait before trying this account (0: it may try now)."""
    rows = session.scalars(select(SignInThrottle).where(
        SignInThrottle.key.in_([account_key(username, address), address_key(address)])))
    waits = [(as_utc(row.next_attempt_at) - now).total_seconds() for row in rows]
    return max([0, *(int(wait) + 1 for wait in waits if wait > 0)])


def failed(session: Session, username: str, address: str, now: datetime, settings: dict) -> None:
    """Count a refused attempt against the account from this address and against the address."""
    forget = timedelta(minutes=settings["sign_in_forget_minutes"])
    for key in (account_key(username, address), address_key(address)):
        row = session.get(SignInThrottle, key, with_for_update=True)
        if row is None:
            row = SignInThrottle(key=key, failures=0)
            session.add(row)
        elif as_utc(row.last_failure_at) < now - forget:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        beyond = row.failures - _free_attempts(key, settings)
        delay = 0 if beyond < 0 else min(settings["sign_in_max_delay_seconds"], 2 ** beyond)
        row.next_attempt_at = now + timedelta(seconds=delay)


def succeeded(session: Session, username: str, address: str) -> None:
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == account_key(username, address)))


def forget_account(session: Session, username: str) -> None:
    """A password reset by the admin ends every delay of the account."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key.startswith(f"account:{username}@",
                                                                               autoescape=True)))

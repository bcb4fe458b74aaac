"""Accounts, passwords, sign-in tokens and the role checks.

Passwords are argon2id hashes. Tokens are 256 random bits shown once; only their SHA-256
is stored, with an expiry, so a copy of the database signs nobody in and a token can be
revoked. `authenticate` is the one place a credential becomes a `User`: another identity
provider (OIDC) would be another way of reaching a `User` there, and everything after it
(`authorise`, `in_district`, the route table) stays as it is.
"""
import hashlib
import secrets
import sys
from datetime import datetime, timedelta, timezone
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.gateway import audit, throttle
from services.gateway.models import Token, User
from shared.db import make_engine
from shared.db_conflicts import transaction
from shared.errors import Conflict, Forbidden, NotFound, TooManyAttempts, Unauthenticated, ValidationFailed
from shared.fields import Text

ROLES = ("officer", "supervisor", "finance", "mentor", "monitoring", "admin")
MIN_PASSWORD = 12
DEFAULTS = {"token_ttl_minutes": 480, **throttle.DEFAULTS}
SIGN_IN_REFUSED = "wrong username or password"  # the same words for every refusal: no account enumeration
RACES = {  # what the loser of a race is told, per table whose unique key it hit
    "users": "an account with this username was created by someone else at the same moment",
    "sign_in_throttles": "another sign-in attempt from this address was counted at the same moment",
}

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified when there is no real hash to verify, so that every refusal costs one argon2 check.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def password_field(default=None):
    return Field(default=default, min_length=MIN_PASSWORD, max_length=200)


class CreateUser(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(pattern=r"^[a-z][a-z0-9._-]{2,59}$")
    role: Literal["officer", "supervisor", "finance", "mentor", "monitoring", "admin"]
    district: Text(1, 60) | None = None
    mentor_id: str | None = Field(default=None, pattern=r"^M-[0-9A-Z]{6}$")
    password: str | None = password_field()

    @model_validator(mode="after")
    def mentor_has_mentor_id(self):
        if (self.role == "mentor") != (self.mentor_id is not None):
            raise ValueError("mentor_id is required for a mentor and only for a mentor")
        return self


class UpdateUser(BaseModel):
    """What an admin may change. Never the role: one account, one role, for good."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    district: Text(1, 60) | None = None
    active: bool | None = None
    password: str | None = password_field()


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class ChangePassword(BaseModel):
    """`current_password` is needed once the account has one."""
    model_config = ConfigDict(extra="forbid")
    current_password: str | None = Field(default=None, max_length=200)
    new_password: str = password_field(...)


def with_defaults(settings: dict | None) -> dict:
    """The GATEWAY settings, with the account keys it leaves out at their defaults."""
    return {**DEFAULTS, **(settings or {})}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _off_the_hub(function, *args):
    """argon2 takes tens of milliseconds of CPU: in a service, a real thread does it so the
    eventlet hub runs on; the `ddrr` command has no hub (and never loads eventlet)."""
    if "eventlet" not in sys.modules:
        return function(*args)
    from eventlet import tpool
    return tpool.execute(function, *args)


def hash_password(password: str) -> str:
    return _off_the_hub(_hasher.hash, password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _off_the_hub(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


TOKEN_PREFIX = "ddrr_"  # says what a leaked token is (secret scanners match it); never starts with "-"


def issue_token(session: Session, user: User, settings: dict) -> str:
    """A new bearer token: the prefix and 256 random bits. A bare url-safe token starts with
    "-" one time in 64, and `ddrr cycle status --token <it>` then took it for an option."""
    token, now = TOKEN_PREFIX + secrets.token_urlsafe(32), _now()
    session.add(Token(token_hash=hash_token(token), username=user.username, issued_at=now,
                      expires_at=now + timedelta(minutes=with_defaults(settings)["token_ttl_minutes"])))
    return token


def create_user(session: Session, command: CreateUser, settings: dict) -> tuple[User, str]:
    """A new account and its first token (so it can set its own password without one)."""
    existing = session.get(User, command.username)
    if existing is not None:
        raise Conflict(f"user {command.username} already exists (as {existing.role}); "
                       f"one person has one account and one role")
    user = User(**command.model_dump(exclude={"password"}), active=True, created_at=_now(),
                password_hash=hash_password(command.password) if command.password else None)
    session.add(user)
    session.flush()  # the account row before its token's
    return user, issue_token(session, user, settings)


def create_user_in(database_url: str, command: CreateUser, settings: dict | None = None) -> str:
    """Create an account straight in the database (the first admin); returns its first token."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, transaction(session, RACES):
            _user, token = create_user(session, command, settings or {})
    finally:
        engine.dispose()
    return token


def revoke_tokens(session: Session, username: str, keep: str | None = None) -> None:
    """End every live token of the account (but `keep`, the hash of the caller's own)."""
    session.execute(update(Token).where(Token.username == username, Token.revoked_at.is_(None),
                                        Token.token_hash != (keep or "")).values(revoked_at=_now()))


def update_user(session: Session, username: str, command: UpdateUser) -> User:
    user = session.get(User, username)
    if user is None:
        raise NotFound(f"no user {username}")
    changes = command.model_dump(exclude_unset=True)
    if changes.get("active") is None:
        changes.pop("active", None)
    if "password" in changes:
        if changes["password"] is None:
            raise ValidationFailed("password: cannot be removed, only replaced")
        user.password_hash = hash_password(changes.pop("password"))
        throttle.forget_account(session, username)
        revoke_tokens(session, username)
    for field, value in changes.items():
        setattr(user, field, value)
    if not user.active:
        revoke_tokens(session, username)
    return user


def _refusal(user: User | None, password: str) -> str | None:
    """Why this sign-in is refused (for the audit trail only), or None. Exactly one argon2
    check whatever the account's state, so the time taken tells nothing about it."""
    matches = _password_matches(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    if user is None:
        return "UNKNOWN_USER"
    if not user.active:
        return "INACTIVE"
    if user.password_hash is None:
        return "NO_PASSWORD"
    return None if matches else "WRONG_PASSWORD"


def sign_in(session: Session, username: str, password: str, settings: dict,
            request_id: str | None = None, address: str = "unknown") -> tuple[User, str]:
    """A new token for the right password; every attempt is audited, with the reason of a
    refusal. Commits its own work: call it with no transaction open on `session`.

    `settings` is the GATEWAY block. Refusals slow down the client `address` (see
    `throttle`): an attempt it makes too early is refused (429) without looking at the
    password, whatever the account.
    """
    settings, request_id, now = with_defaults(settings), audit.request_id(request_id), _now()
    with transaction(session, RACES):
        wait = throttle.wait_seconds(session, username, address, now)
        user = session.get(User, username)
        token = None
        reason = "THROTTLED" if wait else _refusal(user, password)
        if reason is None:
            throttle.succeeded(session, username, address)
            token = issue_token(session, user, settings)
        elif not wait:
            throttle.failed(session, username, address, _now(), settings)  # the delay runs from the refusal
        status = "200" if reason is None else f"{429 if wait else 401} {reason}"
        audit.record(session, username=username[:60], role=user.role if user else None, action="sign-in",
                     target=username, outcome=status, request_id=request_id)
    if wait:
        raise TooManyAttempts(f"too many sign-in attempts from this address; try again in {wait} s", wait)
    if reason is not None:
        raise Unauthenticated(SIGN_IN_REFUSED)
    return user, token


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    return token.strip()


def authenticate(session: Session, authorization: str | None, settings: dict | None = None) -> User:
    """The active user whose live token this is ("Bearer <token>"). Only reads. A token older
    than the configured `token_ttl_minutes` is refused too, so shortening it takes effect at once."""
    now = _now()
    query = select(User, Token).join(Token, Token.username == User.username).where(
        Token.token_hash == hash_token(bearer_token(authorization)), Token.revoked_at.is_(None),
        Token.expires_at > now, User.active.is_(True))
    if settings is not None:
        ttl = with_defaults(settings)["token_ttl_minutes"]
        query = query.where(Token.issued_at > now - timedelta(minutes=ttl))
    found = session.execute(query).first()
    if found is None:
        raise Unauthenticated("unknown, expired or revoked token; sign in again")
    return found[0]


def sign_out(session: Session, token: str) -> None:
    """Revoke this token (unknown or already revoked: nothing to do). Commits its own work."""
    with transaction(session, RACES):
        session.execute(update(Token).where(Token.token_hash == hash_token(token), Token.revoked_at.is_(None))
                        .values(revoked_at=_now()))


def change_password(session: Session, username: str, command: ChangePassword, token: str, settings: dict,
                    address: str = "unknown") -> User:
    """The user sets their own password; their other tokens end. Commits its own work: call it
    with no transaction open on `session`.

    Whoever holds a live session could otherwise guess the current password without limit, so
    a wrong one counts as a refused sign-in of the account from this address (`throttle`) and
    an attempt made too early is refused (429) without looking at the password."""
    settings, now = with_defaults(settings), _now()
    with transaction(session, RACES):
        user = session.get(User, username)
        wait = throttle.wait_seconds(session, username, address, now) if user.password_hash is not None else 0
        wrong = not wait and user.password_hash is not None and \
            not _password_matches(user.password_hash, command.current_password or "")
        if wrong:
            throttle.failed(session, username, address, _now(), settings)
        elif not wait:
            user.password_hash = hash_password(command.new_password)
            revoke_tokens(session, username, keep=hash_token(token))
            throttle.succeeded(session, username, address)
    if wait:
        raise TooManyAttempts(f"too many password attempts from this address; try again in {wait} s", wait)
    if wrong:
        raise Forbidden("the current password is not right")
    return user


def authorise(user: User, roles: frozenset[str]) -> None:
    if user.role not in roles:
        raise Forbidden(f"role {user.role} may not do this")


def in_district(user: User, district: str) -> None:
    """Officers assigned to a district act only on that district's people."""
    if user.role == "officer" and user.district and user.district != district:
        raise Forbidden(f"{district} is outside your district ({user.district})")

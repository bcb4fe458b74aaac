"""Accounts and bearer tokens.

Tokens are 256 random bits shown once at creation; only their SHA-256 is stored, so a
copy of the database does not let anyone sign in. (A later issue adds passwords,
expiry and lock-out; role checks stay the same.)
"""
import hashlib
import secrets
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.gateway.models import User
from shared.db import make_engine
from shared.errors import Conflict, Forbidden, Unauthenticated

ROLES = ("officer", "supervisor", "finance", "mentor", "admin")


class CreateUser(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(pattern=r"^[a-z][a-z0-9._-]{2,59}$")
    role: Literal["officer", "supervisor", "finance", "mentor", "admin"]
    district: str | None = Field(default=None, max_length=60)
    mentor_id: str | None = Field(default=None, pattern=r"^M-[0-9A-Z]{6}$")

    @model_validator(mode="after")
    def mentor_has_mentor_id(self):
        if (self.role == "mentor") != (self.mentor_id is not None):
            raise ValueError("mentor_id is required for a mentor and only for a mentor")
        return self


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, command: CreateUser) -> tuple[User, str]:
    if session.get(User, command.username) is not None:
        raise Conflict(f"user {command.username} already exists")
    token = secrets.token_urlsafe(32)
    user = User(**command.model_dump(), token_hash=hash_token(token), active=True,
                created_at=datetime.now(timezone.utc))
    session.add(user)
    return user, token


def create_user_in(database_url: str, command: CreateUser) -> str:
    """Create an account straight in the database (the first admin); returns its token."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            _user, token = create_user(session, command)
    finally:
        engine.dispose()
    return token


def authenticate(session: Session, authorization: str | None) -> User:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    user = session.scalar(select(User).where(User.token_hash == hash_token(token.strip())))
    if user is None or not user.active:
        raise Unauthenticated("unknown or inactive token")
    return user


def authorise(user: User, roles: frozenset[str]) -> None:
    if user.role not in roles:
        raise Forbidden(f"role {user.role} may not do this")


def in_district(user: User, district: str) -> None:
    """Officers assigned to a district act only on that district's people."""
    if user.role == "officer" and user.district and user.district != district:
        raise Forbidden(f"{district} is outside your district ({user.district})")

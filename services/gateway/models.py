"""The gateway's own tables: accounts with their roles, sign-in tokens, and the audit trail."""
from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.messaging_tables import add_messaging_tables


def as_utc(moment: datetime | None) -> datetime | None:
    """Every stored time is UTC, but SQLite hands it back without its time zone."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


class Base(DeclarativeBase):
    pass


class User(Base):
    """One person, one role for the life of the account (segregation of duties rests on it)."""
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(60))
    mentor_id: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")  # of the web pages
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Token(Base):
    """A bearer token: only its SHA-256 is kept, so a copy of the database signs nobody in."""
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInThrottle(Base):
    """Failed sign-ins of one account from one address (`account:<username>@<address>`) or
    of one address (`address:<address>`), and when the next attempt may come."""
    __tablename__ = "sign_in_throttles"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# A Core table, not a mapped class: there is no ORM object whose change could become an UPDATE.
# The database refuses UPDATE and DELETE too (triggers in the migration).
audit_events = Table(
    "audit_events", Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("username", String(60), index=True),
    Column("role", String(20)),
    Column("action", String(200), nullable=False),
    Column("target", String(300)),
    Column("outcome", String(60), nullable=False),
    Column("request_id", String(64), nullable=False),
)

add_messaging_tables(Base.metadata)

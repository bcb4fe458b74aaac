"""Mentorship's own tables.

`mentees` is a projection built only from enrollment's events: the fields matching
needs and nothing that identifies a person beyond the pseudonymous participant id.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.messaging_tables import add_messaging_tables


class Base(DeclarativeBase):
    pass


class Mentor(Base):
    __tablename__ = "mentors"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    participant_id: Mapped[str | None] = mapped_column(String(8), unique=True)
    district: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(1))
    languages: Mapped[list] = mapped_column(JSON)
    trade: Mapped[str] = mapped_column(String(60))
    birth_cohort: Mapped[int | None] = mapped_column(Integer)  # birth year rounded down to five
    capacity: Mapped[int] = mapped_column(Integer)
    vetted: Mapped[bool] = mapped_column(Boolean)
    vetted_until: Mapped[date | None] = mapped_column(Date)
    available_from: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivation_reason: Mapped[str | None] = mapped_column(Text)
    registered_by: Mapped[str] = mapped_column(String(60))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Mentee(Base):
    __tablename__ = "mentees"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(1))
    languages: Mapped[list] = mapped_column(JSON)
    livelihood_interest: Mapped[str | None] = mapped_column(String(60))
    birth_cohort: Mapped[int | None] = mapped_column(Integer)  # birth year rounded down to five
    phase: Mapped[str] = mapped_column(String(20))
    consent_active: Mapped[bool] = mapped_column(Boolean)
    phase_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Round(Base):
    """One matching round: what it considered and who it could not match, and why."""
    __tablename__ = "rounds"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str | None] = mapped_column(String(60))  # None: the whole programme
    run_by: Mapped[str] = mapped_column(String(60))
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    waiting: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    total_score: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[list] = mapped_column(JSON)


class Offer(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    round_id: Mapped[str | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("mentors.id"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("mentees.participant_id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    score: Mapped[int] = mapped_column(Integer)
    factors: Mapped[list] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(String(60))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_by: Mapped[str | None] = mapped_column(String(60))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(20))


class DoNotMatch(Base):
    """A known conflict between a participant and a mentor: never paired."""
    __tablename__ = "do_not_match"
    __table_args__ = (UniqueConstraint("participant_id", "mentor_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(String(8), index=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("mentors.id"))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MentoringSession(Base):
    """A meeting the mentor logged for an accepted mentorship."""
    __tablename__ = "mentoring_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(500))
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


add_messaging_tables(Base.metadata)

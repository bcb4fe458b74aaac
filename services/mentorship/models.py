"""Mentorship's own tables.

`mentees` is a projection built only from enrollment's events: the fields matching
needs and nothing that identifies a person beyond the pseudonymous participant id.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
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
    capacity: Mapped[int] = mapped_column(Integer)
    vetted: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    registered_by: Mapped[str] = mapped_column(String(60))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Mentee(Base):
    __tablename__ = "mentees"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(1))
    languages: Mapped[list] = mapped_column(JSON)
    livelihood_interest: Mapped[str | None] = mapped_column(String(60))
    phase: Mapped[str] = mapped_column(String(20))
    consent_active: Mapped[bool] = mapped_column(Boolean)
    phase_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Offer(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("mentors.id"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("mentees.participant_id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    score: Mapped[int] = mapped_column(Integer)
    factors: Mapped[list] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(String(60))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)


add_messaging_tables(Base.metadata)

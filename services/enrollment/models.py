"""Enrollment's own tables. Personal data lives only here, encrypted (`pii` column): the name,
phone, national id, birth date and the clearance reference, which ties a person to the armed group
they left."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.messaging_tables import add_messaging_tables


class Base(DeclarativeBase):
    pass


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    pii: Mapped[str] = mapped_column(Text)
    national_id_key: Mapped[str] = mapped_column(String(64), index=True)
    phone_key: Mapped[str] = mapped_column(String(64), index=True)
    name_dob_key: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[str] = mapped_column(String(1))
    district: Mapped[str] = mapped_column(String(60), index=True)
    languages: Mapped[list] = mapped_column(JSON)
    livelihood_interest: Mapped[str | None] = mapped_column(String(60))
    phase: Mapped[str] = mapped_column(String(20), index=True)
    consent_active: Mapped[bool] = mapped_column(Boolean)
    consent_given_on: Mapped[date] = mapped_column(Date)
    consent_recorded_by: Mapped[str] = mapped_column(String(60))
    consent_withdrawn_on: Mapped[date | None] = mapped_column(Date)
    aftercare_started_on: Mapped[date | None] = mapped_column(Date)
    enrolled_by: Mapped[str] = mapped_column(String(60))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HeldEnrollment(Base):
    """An enrollment that looks like someone already enrolled: held for an officer to
    link to the existing participant or confirm as a different person."""
    __tablename__ = "held_enrollments"
    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    sealed_command: Mapped[str] = mapped_column(Text)
    national_id_key: Mapped[str] = mapped_column(String(64), index=True)
    phone_key: Mapped[str] = mapped_column(String(64), index=True)
    name_dob_key: Mapped[str] = mapped_column(String(64), index=True)
    district: Mapped[str] = mapped_column(String(60), index=True)
    candidates: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), index=True)
    held_by: Mapped[str] = mapped_column(String(60))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(60))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    participant_id: Mapped[str | None] = mapped_column(String(8))


class IdentityClaim(Base):
    """One row per blind key ever enrolled, held or corrected to. Enrolling takes the rows of
    the person's keys first (services/enrollment/identity_claims.py), so two officers enrolling
    the same person at once are served one after the other: a duplicate check alone cannot see
    a participant another transaction has not committed yet."""
    __tablename__ = "identity_claims"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class ConsentRecord(Base):
    """Consent history: given and withdrawn, never overwritten."""
    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(5))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[str] = mapped_column(String(60))
    needs: Mapped[list] = mapped_column(JSON)
    risk_factors: Mapped[dict] = mapped_column(JSON)
    protective_factors: Mapped[dict] = mapped_column(JSON)
    livelihood_plan: Mapped[str] = mapped_column(Text)


class PhaseChange(Base):
    __tablename__ = "phase_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    from_phase: Mapped[str] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(60))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Course(Base):
    __tablename__ = "courses"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    track: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))


class Cohort(Base):
    __tablename__ = "cohorts"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    course_code: Mapped[str] = mapped_column(ForeignKey("courses.code"))
    district: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)


class CohortMember(Base):
    __tablename__ = "cohort_members"
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohorts.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(String(4))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    completed_on: Mapped[date | None] = mapped_column(Date)


class Attendance(Base):
    __tablename__ = "attendance"
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohorts.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    session_date: Mapped[date] = mapped_column(Date, primary_key=True)
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(60))


class PaymentAccount(Base):
    """Where a participant's money goes: one account at a time, sealed like the rest of their
    personal data (`sealed`); `masked` is all that is shown or kept in the history. `version`
    moves on every change, so a name check answered for an older account is not applied."""
    __tablename__ = "payment_accounts"
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    provider: Mapped[str] = mapped_column(String(30))
    sealed: Mapped[str] = mapped_column(Text)
    masked: Mapped[str] = mapped_column(String(40))
    verification: Mapped[str] = mapped_column(String(16), index=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_answer: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(60))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentAccountEvent(Base):
    """The account's history, never overwritten: who set or checked it, when, which kind,
    the masked value only, and the check's outcome."""
    __tablename__ = "payment_account_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    provider: Mapped[str] = mapped_column(String(30))
    masked: Mapped[str] = mapped_column(String(40))
    verification: Mapped[str] = mapped_column(String(16))
    provider_answer: Mapped[str | None] = mapped_column(String(30))
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseNote(Base):
    """A case note or a follow-up visit: sensitive, so its text is sealed with the personal
    data key and never leaves enrollment in an event."""
    __tablename__ = "case_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(5))
    happened_on: Mapped[date] = mapped_column(Date)
    sealed: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PersonalDataCorrection(Base):
    """Which personal data fields an officer corrected, who and when; never the values
    (the reason is sealed: it may quote them)."""
    __tablename__ = "personal_data_corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    fields: Mapped[list] = mapped_column(JSON)
    sealed_reason: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(60))
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


add_messaging_tables(Base.metadata)

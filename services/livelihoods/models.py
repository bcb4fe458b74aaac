"""Livelihoods' own tables: programmes, grant applications, disbursements, allowance cycles, and the
projection of participant facts it learns from enrollment's events."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.messaging_tables import add_messaging_tables

MONEY = Numeric(14, 2)
LIVE_ATTEMPT = "status NOT IN ('FAILED', 'REISSUED')"


class Base(DeclarativeBase):
    pass


class Programme(Base):
    __tablename__ = "programmes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    donor: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    grant_amount: Mapped[Decimal] = mapped_column(MONEY)
    budget: Mapped[Decimal] = mapped_column(MONEY)
    conditions: Mapped[list] = mapped_column(JSON)
    tranches: Mapped[list] = mapped_column(JSON)
    approval_tiers: Mapped[list] = mapped_column(JSON)
    allowance: Mapped[dict | None] = mapped_column(JSON)  # schemas.Allowance, if it pays one
    starts_on: Mapped[date] = mapped_column(Date)  # no allowance is due for a month before it
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ParticipantFacts(Base):
    """What livelihoods knows of a participant: pseudonymous, from events only."""
    __tablename__ = "participant_facts"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(1))
    phase: Mapped[str] = mapped_column(String(20))
    consent_active: Mapped[bool] = mapped_column(Boolean)
    mentor_id: Mapped[str | None] = mapped_column(String(12))  # while a mentorship is accepted and not ended


class PhaseHistory(Base):
    """Each phase a participant entered and when (the enrollment's phase, then every phase
    change): an allowance is due by the phases of its month, not by today's."""
    __tablename__ = "phase_history"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    phase: Mapped[str] = mapped_column(String(20))  # read by participant, never by phase


class Completion(Base):
    __tablename__ = "completions"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    track: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(String(4))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    sessions_held: Mapped[int] = mapped_column(Integer)
    sessions_attended: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date] = mapped_column(Date)


class AttendanceMark(Base):
    """One participant's mark for one session of a cohort; a later correction overwrites
    it, an older record arriving late (a replay) does not."""
    __tablename__ = "attendance_marks"
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)
    session_date: Mapped[date] = mapped_column(Date, primary_key=True)
    track: Mapped[str] = mapped_column(String(60))
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GrantApplication(Base):
    __tablename__ = "grant_applications"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    programme: Mapped[str] = mapped_column(ForeignKey("programmes.code"), index=True)
    participant_id: Mapped[str] = mapped_column(String(8), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    business_plan: Mapped[dict] = mapped_column(JSON)
    district: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    required_approvers: Mapped[list] = mapped_column(JSON)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class GrantDecision(Base):
    """Who did what to an application, when and why: the application's history."""
    __tablename__ = "grant_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(60))
    role: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowUpVisit(Base):
    __tablename__ = "follow_up_visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    business_operating: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(60))


class Funding(Base):
    """Donor funding the ledger recorded for a programme (from `funding.received`)."""
    __tablename__ = "funding"
    reference: Mapped[str] = mapped_column(String(60), primary_key=True)
    programme: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)


class Disbursement(Base):
    """One attempt to pay a grant tranche, released on its own or in a grant cycle (`cycle_id`):
    PENDING (in a prepared cycle), REQUESTED, PAID, FAILED, STOPPED (a cycle's, never sent)."""
    __tablename__ = "disbursements"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("grant_applications.id"), index=True)
    participant_id: Mapped[str | None] = mapped_column(String(8))  # the application's, as a cycle reads it
    cycle_id: Mapped[str | None] = mapped_column(ForeignKey("allowance_cycles.id"))
    tranche: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rail_reference: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_disbursements_cycle_status_id", "cycle_id", "status", "id"),
                      Index("ix_disbursements_cycle_id_id", "cycle_id", "id"))


class AllowanceCycle(Base):
    """A payment cycle of one programme: a month's allowances (`kind` ALLOWANCE, payments in
    `allowance_payments`) or the grant tranches due (GRANT, payments in `disbursements`),
    prepared by one finance user, released by another.
    Its count and total are declared when it is prepared and never recomputed; it is COMPLETE
    once every payment is settled and the ledger's totals for it agree (cycle_progress.py)."""
    __tablename__ = "allowance_cycles"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    programme: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    kind: Mapped[str] = mapped_column(String(10), server_default="ALLOWANCE")  # ALLOWANCE, GRANT
    month: Mapped[str] = mapped_column(String(7))  # a grant cycle's: the month it was prepared in
    status: Mapped[str] = mapped_column(String(10))  # PREPARED, RELEASED, COMPLETE
    currency: Mapped[str | None] = mapped_column(String(3))
    declared_count: Mapped[int | None] = mapped_column(Integer)
    declared_total: Mapped[Decimal | None] = mapped_column(MONEY)
    payment_prefix: Mapped[str | None] = mapped_column(String(4), unique=True)  # of its payments' ids
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prepared_by: Mapped[str] = mapped_column(String(60))
    prepared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(60))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_allowance_cycles_programme_month", "programme", "month"),)


class AllowanceEntitlement(Base):
    """A participant's allowance of one programme for one month, made by the cycle that
    first found them due. Unique, so no later cycle can pay that month again."""
    __tablename__ = "allowance_entitlements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(ForeignKey("programmes.code"))
    month: Mapped[str] = mapped_column(String(7))
    participant_id: Mapped[str] = mapped_column(String(8))
    cycle_id: Mapped[str] = mapped_column(ForeignKey("allowance_cycles.id"), index=True)

    __table_args__ = (UniqueConstraint("programme", "month", "participant_id",
                                       name="uq_allowance_entitlements_programme_month_participant"),)


class AllowancePayment(Base):
    """One attempt to pay an entitlement; its id is the disbursement id the ledger sees.
    At most one attempt of an entitlement is live (neither FAILED nor REISSUED): a new one only
    after a failure, which then becomes REISSUED. Statuses: PENDING, REQUESTED (sent), PAID,
    FAILED, REISSUED, STOPPED (never sent: consent or case withdrawn, with the reason)."""
    __tablename__ = "allowance_payments"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("allowance_cycles.id"))
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("allowance_entitlements.id",
                                                           name="fk_allowance_payments_entitlement_id"))
    participant_id: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    attempt: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rail_reference: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(Text)

    entitlement: Mapped[AllowanceEntitlement] = relationship()

    __table_args__ = (
        UniqueConstraint("entitlement_id", "attempt", name="uq_allowance_payments_entitlement_attempt"),
        Index("uq_allowance_payments_live_attempt", "entitlement_id", unique=True,
              sqlite_where=text(LIVE_ATTEMPT), postgresql_where=text(LIVE_ATTEMPT)),
        # ordered for the chunked walks and pages: a chunk or page is a range, never a sort
        Index("ix_allowance_payments_cycle_status_id", "cycle_id", "status", "id"),
        Index("ix_allowance_payments_cycle_id_id", "cycle_id", "id"),
    )


class AllowanceLeftOut(Base):
    """Someone a cycle's preparation found not due, with the code and the reason; read a page at a time."""
    __tablename__ = "allowance_left_out"
    cycle_id: Mapped[str] = mapped_column(ForeignKey("allowance_cycles.id"), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    code: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)


class StrayAnswer(Base):
    """The ledger's answer for a disbursement livelihoods never requested under that key:
    kept once, however often it comes, so it can be looked into; it changes nothing else."""
    __tablename__ = "stray_answers"
    disbursement_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


add_messaging_tables(Base.metadata)
from services.livelihoods import referral_models  # noqa: E402,F401  (registers the referral tables on Base)

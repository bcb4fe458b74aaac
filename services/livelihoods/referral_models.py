"""Microfinance referral tables, on livelihoods' own `Base` (models.py imports this module
at its end, so Alembic and `Base.metadata` see them)."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.livelihoods.models import Base


class Partner(Base):
    """A bank or microfinance institution. The webhook secret and the API token are kept
    here only, sealed (`partner_keys`): no answer of the service carries them (the secret
    is shown once, at creation)."""
    __tablename__ = "partners"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    products: Mapped[list] = mapped_column(JSON)
    districts: Mapped[list] = mapped_column(JSON)
    eligibility_notes: Mapped[str] = mapped_column(Text)
    api_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str] = mapped_column(Text)
    api_token: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A participant referred to one partner for one product, with the pseudonymous facts
    sent (kept as sent) and where its delivery to the partner stands."""
    __tablename__ = "referrals"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    participant_id: Mapped[str] = mapped_column(String(8), index=True)
    partner: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    product: Mapped[str] = mapped_column(String(120))
    trade: Mapped[str] = mapped_column(String(60))
    district: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(16), index=True)
    consent_given_on: Mapped[date] = mapped_column(Date)
    consent_recorded_by: Mapped[str] = mapped_column(String(60))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivery_status: Mapped[str] = mapped_column(String(10))
    delivery_attempts: Mapped[int] = mapped_column(Integer)
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivery_claim: Mapped[str | None] = mapped_column(String(32))
    delivery_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferralStatusChange(Base):
    """One line of a referral's status history: who (an officer, or `partner:<code>`) and when."""
    __tablename__ = "referral_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

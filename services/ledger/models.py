"""The ledger's index. The Beancount files are the record; these tables answer
idempotency and chain questions without reloading the files."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.messaging_tables import add_messaging_tables


class Base(DeclarativeBase):
    pass


class Posting(Base):
    """One disbursement command, keyed by its idempotency key, with its request hash."""
    __tablename__ = "postings"
    idempotency_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    disbursement_id: Mapped[str] = mapped_column(String(12), unique=True)
    participant_id: Mapped[str] = mapped_column(String(8), index=True)
    programme: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(8))
    rail_reference: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OpenAccount(Base):
    __tablename__ = "open_accounts"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)


class ChainHead(Base):
    """The hash of the last transaction appended (one row)."""
    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    transactions: Mapped[int] = mapped_column(Integer)




class KnownProgramme(Base):
    """Programmes as livelihoods announced them: whose money, in which currency."""
    __tablename__ = "programmes"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    donor: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))


class FundingPosting(Base):
    """Donor funding received, keyed by the bank reference, with its request hash."""
    __tablename__ = "funding_postings"
    reference: Mapped[str] = mapped_column(String(60), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    programme: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountBalance(Base):
    """Running balance per account and currency, kept with every append, so reports never
    reload the files."""
    __tablename__ = "account_balances"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2))


add_messaging_tables(Base.metadata)

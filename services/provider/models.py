"""The provider's own tables. Money is in minor units (cents) as integers; the times a
worker polls (`due_at`, `callback_at`) are Unix seconds, the times people read are UTC."""
from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Batch(Base):
    """A batch as received: its key, the hash of its content and the answer given, which
    a repeated request with the same key and content receives again."""
    __tablename__ = "provider_batches"
    batch_key = Column(String(128), primary_key=True)
    request_hash = Column(String(64), nullable=False)
    callback_url = Column(String(2048))
    answer = Column(Text, nullable=False)
    received_at = Column(DateTime, nullable=False)


class Payment(Base):
    """One payment: PENDING until `due_at`, then SUCCESSFUL or FAILED; `callbacks_left`
    callbacks (0 when lost, 2 when duplicated) are still to be sent from `callback_at` on."""
    __tablename__ = "provider_payments"
    reference_id = Column(String(128), primary_key=True)
    batch_key = Column(String(128), nullable=False)
    content_hash = Column(String(64), nullable=False)
    account = Column(String(80), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)
    payee_note = Column(String(160), nullable=False)
    status = Column(String(10), nullable=False)
    reason = Column(String(40))
    receipt = Column(String(20))
    fee_minor = Column(BigInteger, nullable=False, default=0)
    accepted_at = Column(DateTime, nullable=False)
    due_at = Column(Float, nullable=False)
    completed_at = Column(DateTime)
    callbacks_left = Column(Integer, nullable=False, default=0)
    callback_at = Column(Float)
    __table_args__ = (Index("ix_provider_payments_due", "status", "due_at"),
                      Index("ix_provider_payments_callback", "callbacks_left", "callback_at"),
                      Index("ix_provider_payments_batch", "batch_key"))


class StatementLine(Base):
    """A line of the organisation's float account statement, in the order it happened."""
    __tablename__ = "provider_statement_lines"
    id = Column(Integer, primary_key=True, autoincrement=True)
    receipt = Column(String(20), nullable=False)
    completed_at = Column(DateTime, nullable=False, index=True)
    details = Column(String(120), nullable=False)
    status = Column(String(10), nullable=False)
    paid_in_minor = Column(BigInteger, nullable=False)
    withdrawn_minor = Column(BigInteger, nullable=False)
    balance_minor = Column(BigInteger, nullable=False)
    reference = Column(String(128), nullable=False)


class FloatAccount(Base):
    """The organisation's float: one row per currency."""
    __tablename__ = "provider_float"
    currency = Column(String(3), primary_key=True)
    balance_minor = Column(BigInteger, nullable=False)


class _FloatTransfer:
    """Money moved between the organisation's bank and its float, keyed by the caller's
    reference so a repeat is not counted twice."""
    reference_id = Column(String(128), primary_key=True)
    content_hash = Column(String(64), nullable=False)
    receipt = Column(String(20), nullable=False)
    amount_minor = Column(BigInteger, nullable=False)
    currency = Column(String(3), nullable=False)
    balance_minor = Column(BigInteger, nullable=False)
    created_at = Column(DateTime, nullable=False)


class TopUp(_FloatTransfer, Base):
    """A float top-up: bank to float."""
    __tablename__ = "provider_topups"


class FloatReturn(_FloatTransfer, Base):
    """Float money returned to the organisation's bank account."""
    __tablename__ = "provider_float_returns"

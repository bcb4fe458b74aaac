"""The ledger's index. The Beancount files are the record; these tables answer
idempotency and chain questions without reloading the files."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    status: Mapped[str] = mapped_column(String(8))  # PAID, FAILED, or REVERSED by a correction
    cycle: Mapped[str | None] = mapped_column(String(32), index=True)
    day: Mapped[date | None] = mapped_column(Date, index=True)  # the ledger date of the rail's answer
    rail_reference: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OpenAccount(Base):
    __tablename__ = "open_accounts"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)


class ChainHead(Base):
    """The hash of the last entry appended to a hash chain and how many it holds: the
    anchor outside the files that finds a cut tail. One row per chain: JOURNAL (the
    period files) and CHART (the chart of accounts)."""
    __tablename__ = "chain_head"
    JOURNAL, CHART = 1, 2
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer)


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
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountBalance(Base):
    """Running balance per account and currency, kept with every append, so reports never
    reload the files."""
    __tablename__ = "account_balances"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class Statement(Base):
    """One imported rail statement: what it says (closing balance, period) and where its
    reconciliation stands. The file's SHA-256 makes a re-import a no-op."""
    __tablename__ = "statements"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    closing_balance: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    status: Mapped[str] = mapped_column(String(12))
    imported_by: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed_off_by: Mapped[str | None] = mapped_column(String(80))
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatementItem(Base):
    """A statement line with its outcome, or an expected payment or float transfer the
    statement does not show (no receipt). A payment and the charge for it share one receipt
    number. Exceptions stay open until finance resolves them with a reason."""
    __tablename__ = "statement_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(ForeignKey("statements.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[str | None] = mapped_column(String(60), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    category: Mapped[str] = mapped_column(String(10))  # payment, charge, reversal, top-up, return, other: never the rail's Details
    reference: Mapped[str] = mapped_column(String(60), index=True)
    paid_in: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    withdrawn: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    outcome: Mapped[str] = mapped_column(String(30))
    disbursement_id: Mapped[str | None] = mapped_column(String(12), index=True)
    expected_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    duplicate_of: Mapped[str | None] = mapped_column(String(60))
    transfer_reference: Mapped[str | None] = mapped_column(String(60), index=True)  # the top-up or return shown or missing
    expected_day: Mapped[date | None] = mapped_column(Date)  # a transfer's day in the ledger, with its mismatch
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_account: Mapped[str | None] = mapped_column(String(200))
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    statement: Mapped[Statement] = relationship()


class EntryKey(Base):
    """The `key:` of every fee, adjustment and correction appended, so retrying an import or
    a resolution that a crash interrupted never appends the same entry twice; recovery
    records the keys of entries that reached the files but not the index."""
    __tablename__ = "entry_keys"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)


class ClosedAccount(Base):
    """An account whose `close` directive is in the chart of accounts: nothing is posted to
    it again. Who asked, who approved and why stay here, never in the files."""
    __tablename__ = "closed_accounts"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    closed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(80))  # the approver; None: found in the files by recovery
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(String(80))


class TwoPersonRequest:
    """What finance asks for and another finance user approves (maker-checker): who asked,
    why, and who approved."""
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # REQUESTED, APPROVED
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CloseRequest(TwoPersonRequest, Base):
    """Closing an account: only the approval appends the `close` directive."""
    __tablename__ = "close_requests"
    account: Mapped[str] = mapped_column(String(200), index=True)


class Correction(Base):
    """A reversing entry and the transaction it reverses (each reversed at most once)."""
    __tablename__ = "corrections"
    reversed_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(80))
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountDay(Base):
    """What each day moved on each account, kept with every append like the running
    balance, so a trial balance as of a date and totals for a date range come from the
    index (the day is the entry's date in the files)."""
    __tablename__ = "account_days"
    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class PeriodClose(Base):
    """Each change of the closed-through date: a sign-off closing up to its statement's
    last day, or an approved re-opening. The latest row is the ledger's closed period;
    nothing dated on or before its `closed_through` is written again."""
    __tablename__ = "period_closes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    closed_through: Mapped[date | None] = mapped_column(Date)
    statement_id: Mapped[str | None] = mapped_column(String(12))
    reopen_request: Mapped[int | None] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReopenRequest(TwoPersonRequest, Base):
    """Re-opening the closed period from a day."""
    __tablename__ = "reopen_requests"
    reopen_from: Mapped[date] = mapped_column(Date)


class JournalEntry(Base):
    """A general journal entry: prepared by one finance user, appended when another
    approves it. Idempotent by the preparer's key with a request hash; the reason stays
    here, never in the files."""
    __tablename__ = "journal_entries"
    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    narration: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    legs: Mapped[str] = mapped_column(Text)  # JSON: the lines as prepared, [{"account", "side", "amount"}]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # PREPARED, APPROVED
    prepared_by: Mapped[str] = mapped_column(String(80))
    prepared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    posted_on: Mapped[date | None] = mapped_column(Date)  # the ledger date: the first open day when `day` was closed


class TreasuryEntry(Base):
    """Opening balances and transfers between a bank account and the rail's float, keyed
    by finance's reference with a request hash."""
    __tablename__ = "treasury_entries"
    reference: Mapped[str] = mapped_column(String(60), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # OPENING, TOP_UP, RETURN
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    posted_by: Mapped[str] = mapped_column(String(80))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WriteOff(Base):
    """An adjustment above the write-off threshold: proposed by one finance user, appended
    only when another approves it."""
    __tablename__ = "write_offs"
    item_id: Mapped[int] = mapped_column(ForeignKey("statement_items.id"), primary_key=True)
    account: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(80))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


UNANSWERED = "answered_at IS NULL"


class PaymentOrder(Base):
    """A payable to send through the provider, and how far it got: NEW (posted, not sent),
    HELD (no verified account: never sent), QUEUED (in a batch whose POST may not have
    reached the provider), SENT, RECEIVED (the provider's final result, not yet posted).
    `answered_at` is set when the payment or reversal is posted. The account is never here."""
    __tablename__ = "payment_orders"
    idempotency_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    reference_id: Mapped[str] = mapped_column(String(40), unique=True)  # the provider's reference_id
    kind: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(8))  # read through the partial index below
    batch_key: Mapped[str | None] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    result: Mapped[str | None] = mapped_column(String(10))  # SUCCESSFUL, FAILED
    reason: Mapped[str | None] = mapped_column(String(40))  # why held, or why the provider failed it
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # the orders of a state not answered yet (the NEW ones to send, the QUEUED and SENT ones
    # to ask about, the HELD and RECEIVED ones to answer), in key order, without reading the
    # answered ones (all of a cycle's, once it is paid); the state alone is not indexed: it
    # changes four times per order
    __table_args__ = (Index("ix_payment_orders_unanswered", "state", "idempotency_key",
                            sqlite_where=text(UNANSWERED), postgresql_where=text(UNANSWERED)),)


class StrayCallbackResult(Base):
    """A callback result for a reference the ledger never sent: kept once, refused."""
    __tablename__ = "stray_callback_results"
    callback_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


add_messaging_tables(Base.metadata)

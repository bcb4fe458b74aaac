"""Commands the ledger accepts directly (finance's funding, treasury, journal and period entries).

Their days are bounded here only in shape and range: whether a day is in the future is the
writer's to say, against the ledger's own clock (which period close and tests move)."""
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.fields import PlannedDate, Text
from shared.money import Amount

ACCOUNT = r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z][A-Za-z0-9-]*)+$"
REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9._/:-]{2,59}$"
CURRENCY = r"^[A-Z]{3}$"
Account = Annotated[str, Field(max_length=200, pattern=ACCOUNT)]
Reason = Text(5, 500, multiline=True)


class RecordFunding(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    programme: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")
    amount: Amount
    currency: str = Field(pattern=CURRENCY)
    reference: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,59}$")
    received_on: PlannedDate


class ResolveItem(BaseModel):
    """How finance settles one reconciliation exception, and why."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["ACCEPT", "ADJUST", "REVERSE_PAYMENT"]
    reason: Reason
    account: Account | None = None


class ReverseEntry(BaseModel):
    """A correction: the transaction to reverse, by its `hash:` metadata, and why."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    reason: Reason


class JournalLine(BaseModel):
    """One line of a journal entry: an open account, debited or credited."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    account: Account
    side: Literal["DEBIT", "CREDIT"]
    amount: Amount

    @property
    def signed(self) -> Decimal:
        return self.amount if self.side == "DEBIT" else -self.amount


class PrepareJournalEntry(BaseModel):
    """A general journal entry a finance user prepares and another approves; `key` makes
    submitting it again harmless. The reason stays in the index, never in the files."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    key: str = Field(pattern=REFERENCE)
    day: PlannedDate
    narration: Text(5, 120)
    currency: str = Field(pattern=CURRENCY)
    lines: list[JournalLine] = Field(min_length=2, max_length=50)
    reason: Reason


class FloatTransfer(BaseModel):
    """Money moved between a donor's bank account and the rail's float: a top-up of the
    float, or a return of float money to the bank. Idempotent by the bank reference."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    direction: Literal["TOP_UP", "RETURN"]
    bank_account: str = Field(max_length=200, pattern=r"^Assets:Bank(:[A-Z][A-Za-z0-9-]*)+$")
    amount: Amount
    currency: str = Field(pattern=CURRENCY)
    reference: str = Field(pattern=REFERENCE)
    day: PlannedDate


class OpeningBalances(BaseModel):
    """What the books held before the ledger: each line against Equity:Opening-Balances."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reference: str = Field(pattern=REFERENCE)
    day: PlannedDate
    currency: str = Field(pattern=CURRENCY)
    lines: list[JournalLine] = Field(min_length=1, max_length=200)


class ReopenPeriod(BaseModel):
    """A request to re-open the closed period from a day; another finance user approves."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reopen_from: PlannedDate
    reason: Reason


class CloseAccount(BaseModel):
    """An account to close (its balance zero), and why."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    account: Account
    reason: Text(5, 500)

"""Commands the ledger accepts directly (finance's funding entries)."""
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Amount


class RecordFunding(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    programme: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,59}$")
    received_on: date


class ResolveItem(BaseModel):
    """How finance settles one reconciliation exception, and why."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["ACCEPT", "ADJUST", "REVERSE_PAYMENT"]
    reason: str = Field(min_length=5, max_length=500)
    account: str | None = Field(default=None, pattern=r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z][A-Za-z0-9-]*)+$")


class ReverseEntry(BaseModel):
    """A correction: the transaction to reverse, by its `hash:` metadata, and why."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    reason: str = Field(min_length=5, max_length=500)

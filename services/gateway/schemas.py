"""Bodies that exist only at the HTTP edge (the services take these as plain arguments), and the
gateway's own answers."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Empty(BaseModel):
    """Actions that take no input still require a JSON object (`{}`), never form data."""
    model_config = ConfigDict(extra="forbid")


class FormatQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["json", "csv"] = "json"


class TrialBalanceQuery(FormatQuery):
    as_of: date | None = None  # the end of this day; now when absent


class TotalsQuery(FormatQuery):
    by: Literal["donor", "programme", "cycle", "month"] = "month"
    first: date | None = Field(default=None, alias="from")
    last: date | None = Field(default=None, alias="to")


class StatementQuery(BaseModel):
    """Which items of a statement to show: its exceptions (default) or one outcome's lines."""
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["MATCHED", "FEE", "TOP_UP", "RETURN", "UNMATCHED_STATEMENT_LINE", "AMOUNT_MISMATCH",
                     "DATE_MISMATCH", "DUPLICATE", "REVERSAL", "MISSING_FROM_STATEMENT"] | None = None


class Health(BaseModel):
    """Answers of the gateway's own endpoints, documented in the OpenAPI document."""
    status: Literal["ok"]


class SignedIn(BaseModel):
    token: str
    expires_at: datetime
    username: str
    role: str


class Account(BaseModel):
    username: str
    role: str
    district: str | None
    mentor_id: str | None
    active: bool
    has_password: bool
    created_at: datetime


class CreatedAccount(Account, SignedIn):
    """The account, with its first token (shown only here)."""


class Accounts(RootModel[list[Account]]):
    pass


class SignedOut(BaseModel):
    signed_out: Literal[True]


class AuditEvent(BaseModel):
    id: int
    at: datetime
    username: str | None
    role: str | None
    action: str
    target: str | None
    outcome: str
    request_id: str


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    events: list[AuditEvent]

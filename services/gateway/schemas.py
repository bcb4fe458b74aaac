"""Bodies that exist only at the HTTP edge (the services take these as plain arguments)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Empty(BaseModel):
    """Actions that take no input still require a JSON object (`{}`), never form data."""
    model_config = ConfigDict(extra="forbid")


class TrialBalanceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["json", "csv"] = "json"


class TotalsQuery(TrialBalanceQuery):
    by: Literal["donor", "programme", "cycle", "month"] = "month"


class StatementQuery(BaseModel):
    """Which items of a statement to show: its exceptions (default) or one outcome's lines."""
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["MATCHED", "FEE", "UNMATCHED_STATEMENT_LINE", "AMOUNT_MISMATCH", "DUPLICATE", "REVERSAL",
                     "MISSING_FROM_STATEMENT"] | None = None

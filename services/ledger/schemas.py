"""Commands the ledger accepts directly (finance's funding entries)."""
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Amount


class RecordFunding(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    programme: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,31}$")
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{2,59}$")
    received_on: date

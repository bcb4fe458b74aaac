"""Commands livelihoods accepts. Amounts arrive as decimal strings, never floats."""
from pydantic import BaseModel, ConfigDict, Field

from shared.money import Amount

CODE = r"^[A-Z][A-Z0-9-]{1,31}$"


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateProgramme(Command):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=2, max_length=200)
    donor: str = Field(pattern=CODE)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    grant_amount: Amount
    supervisor_threshold: Amount | None = None
    conditions: list[dict] = Field(min_length=1)


class BudgetLine(Command):
    item: str = Field(min_length=1, max_length=120)
    amount: Amount


class BusinessPlan(Command):
    summary: str = Field(min_length=10, max_length=4000)
    trade: str = Field(min_length=2, max_length=60)
    budget_lines: list[BudgetLine] = Field(min_length=1)


class CreateApplication(Command):
    programme: str = Field(pattern=CODE)
    participant_id: str = Field(pattern=r"^P-[0-9A-Z]{6}$")
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    business_plan: BusinessPlan


class Decision(Command):
    reason: str = Field(min_length=3, max_length=2000)

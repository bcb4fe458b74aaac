"""Commands livelihoods accepts. Amounts arrive as decimal strings, never floats."""
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import Phase
from shared.fields import ParticipantId, PastDate, PlannedDate, Text
from shared.money import Amount

CODE = r"^[A-Z][A-Z0-9-]{1,31}$"
CURRENCY = r"^[A-Z]{3}$"
MAX_CONDITIONS = 20
Condition = Annotated[dict[Text(1, 40), object], Field(max_length=8)]
"""One rule as data, a type and a few parameters; `conditions.parse_conditions` checks the rest."""
Reason = Text(3, 2000, multiline=True)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Tranche(Command):
    """A share of the grant; `conditions` (rules, as for the programme) must hold too
    before it is released, e.g. a follow-up visit confirming the business operates."""
    percent: int = Field(gt=0, le=100)
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)


class ApprovalTier(Command):
    """Applications up to `max_amount` (the last tier: no limit) need one approval from
    each listed role, by different people, none of them the maker."""
    max_amount: Amount | None = None
    approvers: list[Literal["officer", "supervisor"]] = Field(min_length=1, max_length=2)


class Allowance(Command):
    """A monthly amount for participants in `phases` during the month who meet `conditions`
    (rules, as for grants; none is fine), for at most the first `months` months of aftercare."""
    amount: Amount
    phases: list[Phase] = Field(min_length=1, max_length=6)
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)
    months: int = Field(default=6, ge=1, le=60)


class CreateProgramme(Command):
    code: str = Field(pattern=CODE)
    name: Text(2, 200)
    donor: str = Field(pattern=CODE)
    currency: str = Field(pattern=CURRENCY)
    grant_amount: Amount
    budget: Amount
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)
    tranches: list[Tranche] = Field(default_factory=lambda: [Tranche(percent=100)], min_length=1, max_length=6)
    approval_tiers: list[ApprovalTier] = Field(
        default_factory=lambda: [ApprovalTier(approvers=["officer"])], min_length=1, max_length=5)
    allowance: Allowance | None = None
    starts_on: PlannedDate = Field(default_factory=lambda: datetime.now(timezone.utc).date())

    @model_validator(mode="after")
    def coherent(self):
        if sum(t.percent for t in self.tranches) != 100:
            raise ValueError("tranche percentages must add up to 100")
        limits = [t.max_amount for t in self.approval_tiers]
        if limits[-1] is not None or None in limits[:-1] or limits[:-1] != sorted(limits[:-1]):
            raise ValueError("approval tiers go up by max_amount and the last has none")
        if self.budget < self.grant_amount:
            raise ValueError("the budget cannot pay even one grant")
        return self


class BudgetLine(Command):
    item: Text(1, 120)
    amount: Amount


class BusinessPlan(Command):
    summary: Text(10, 4000, multiline=True)
    trade: Text(2, 60)
    budget_lines: list[BudgetLine] = Field(min_length=1, max_length=50)


class CreateApplication(Command):
    programme: str = Field(pattern=CODE)
    participant_id: ParticipantId
    amount: Amount
    currency: str = Field(pattern=CURRENCY)
    business_plan: BusinessPlan


class Decision(Command):
    reason: Reason


class Revision(Command):
    amount: Amount
    business_plan: BusinessPlan


class ApplicationQuery(Command):
    status: str | None = Field(default=None, pattern=r"^[A-Z]{4,12}$")
    district: Text(2, 60) | None = None
    programme: str | None = Field(default=None, pattern=CODE)
    tier: int | None = Field(default=None, ge=1, le=5)
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10**9)  # a database integer, whatever the database


class PrepareCycle(Command):
    programme: str = Field(pattern=CODE)
    month: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


class PrepareGrantCycle(Command):
    """The next tranche due of every approved or disbursing application of a programme."""
    programme: str = Field(pattern=CODE)


class PageQuery(Command):
    """A page of a cycle's payments (by `status`) or left-out people (by `code`): up to `limit`
    after the id `after` (the `next` of the previous page)."""
    status: Literal["PENDING", "REQUESTED", "PAID", "FAILED", "REISSUED", "STOPPED"] | None = None
    code: str | None = Field(default=None, pattern=r"^[A-Z_]{3,24}$")
    limit: int = Field(default=100, ge=1, le=500)
    after: str | None = Field(default=None, pattern=r"^[A-Z0-9-]{1,12}$")


class FollowUp(Command):
    """A visit that happened: never dated in the future."""
    visited_on: PastDate
    business_operating: bool
    note: Reason

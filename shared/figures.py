"""The filters of the monitoring figures, one model for the gateway's page and each
service's `programme_figures`: a period of whole months (UTC), a district, a programme."""
from datetime import date, datetime, timezone

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.fields import Text

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _first_day(month: str) -> date:
    year, number = map(int, month.split("-"))
    return date(year, number, 1)


class FigureFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_month: str | None = Field(default=None, pattern=MONTH)
    last_month: str | None = Field(default=None, pattern=MONTH)
    district: Text(1, 60) | None = None
    programme: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9-]{1,31}$")

    @model_validator(mode="after")
    def months_in_order(self):
        if self.first_month and self.last_month and self.last_month < self.first_month:
            raise ValueError("the last month is before the first")
        return self

    @property
    def starts(self) -> date | None:
        """The period's first day (None: from the beginning)."""
        return _first_day(self.first_month) if self.first_month else None

    @property
    def ends(self) -> date | None:
        """The day after the period (None: up to now)."""
        if not self.last_month:
            return None
        last = _first_day(self.last_month)
        return date(last.year + last.month // 12, last.month % 12 + 1, 1)

    def moments(self) -> tuple[datetime | None, datetime | None]:
        """`starts` and `ends` as UTC midnights, for timestamps."""
        return tuple(datetime(day.year, day.month, day.day, tzinfo=timezone.utc) if day else None
                     for day in (self.starts, self.ends))

    def holds_month(self, month: str) -> bool:
        """`month` (YYYY-MM) is inside the period."""
        return (not self.first_month or month >= self.first_month) and (not self.last_month or month <= self.last_month)

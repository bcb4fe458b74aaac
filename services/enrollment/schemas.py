"""Commands enrollment accepts (validated here, whoever sends them)."""
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import Phase

TRACK_PATTERN = r"^(TVET:[a-z][a-z_ ]{1,40}|FINANCIAL_LITERACY|BUSINESS_DEVELOPMENT|BASIC_EDUCATION:[1-3]|CIVIC_EDUCATION)$"


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Consent(Command):
    given_on: date


class EnrollParticipant(Command):
    full_name: str = Field(min_length=2, max_length=200)
    phone: str = Field(pattern=r"^\+?[0-9 ]{7,20}$")
    national_id: str = Field(min_length=3, max_length=40)
    date_of_birth: date = Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))  # the events' birth_cohort range
    gender: Literal["F", "M"]
    district: str = Field(min_length=2, max_length=60)
    languages: list[str] = Field(min_length=1)
    livelihood_interest: str | None = Field(default=None, max_length=60)
    clearance_reference: str = Field(min_length=3, max_length=60)
    consent: Consent


class ChangePhase(Command):
    to_phase: Phase


class CreateCourse(Command):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")
    track: str = Field(pattern=TRACK_PATTERN)
    title: str = Field(min_length=2, max_length=200)


class CreateCohort(Command):
    course_code: str
    district: str = Field(min_length=2, max_length=60)
    starts_on: date
    ends_on: date
    capacity: int = Field(gt=0, le=500)

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class JoinCohort(Command):
    participant_id: str


class RecordAttendance(Command):
    session_date: date
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def someone_listed_once(self):
        everyone = self.present + self.absent
        if not everyone:
            raise ValueError("list at least one participant as present or absent")
        if len(set(everyone)) != len(everyone):
            raise ValueError("a participant is listed twice")
        return self


class RecordCompletion(Command):
    participant_id: str
    result: Literal["PASS", "FAIL"]
    score: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    completed_on: date


class ParticipantQuery(Command):
    district: str | None = None
    phase: Phase | None = None
    cohort_id: str | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10**9)  # a database integer, whatever the database


class WithdrawConsent(Command):
    withdrawn_on: date
    reason: str = Field(min_length=3, max_length=500)


Score = Annotated[int, Field(ge=0, le=3)]


class RecordAssessment(Command):
    """Needs, and risk and protective factors scored 0 (none) to 3 (strong)."""
    kind: Literal["ENTRY", "EXIT"]
    assessed_on: date
    needs: list[str] = Field(min_length=1, max_length=30)
    risk_factors: dict[str, Score]
    protective_factors: dict[str, Score]
    livelihood_plan: str = Field(min_length=10, max_length=4000)


class ResolveHeld(Command):
    decision: Literal["LINK", "DIFFERENT"]
    participant_id: str | None = Field(default=None, pattern=r"^P-[0-9A-Z]{6}$")

    @model_validator(mode="after")
    def link_names_the_participant(self):
        if (self.decision == "LINK") != (self.participant_id is not None):
            raise ValueError("participant_id is required to LINK and only then")
        return self


class LeaveCohort(Command):
    participant_id: str

"""Commands enrollment accepts (validated here, whoever sends them)."""
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import Phase
from shared.fields import COHORT_ID, PastDate, PlannedDate, ParticipantId, Text

TRACK_PATTERN = r"^(TVET:[a-z][a-z_ ]{1,40}|FINANCIAL_LITERACY|BUSINESS_DEVELOPMENT|BASIC_EDUCATION:[1-3]|CIVIC_EDUCATION)$"


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


District = Text(2, 60)
MAX_COHORT = 500


class Consent(Command):
    given_on: PastDate


class EnrollParticipant(Command):
    full_name: Text(2, 200)
    phone: str = Field(pattern=r"^\+?[0-9 ]{7,20}$")
    national_id: Text(3, 40)
    date_of_birth: PastDate
    gender: Literal["F", "M"]
    district: District
    languages: list[Text(2, 40)] = Field(min_length=1, max_length=10)
    livelihood_interest: Text(0, 60) | None = None
    clearance_reference: Text(3, 60)
    consent: Consent


class ChangePhase(Command):
    to_phase: Phase


class CreateCourse(Command):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")
    track: str = Field(pattern=TRACK_PATTERN)
    title: Text(2, 200)


class CreateCohort(Command):
    course_code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")
    district: District
    starts_on: PlannedDate
    ends_on: PlannedDate
    capacity: int = Field(gt=0, le=MAX_COHORT)

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class JoinCohort(Command):
    participant_id: ParticipantId


class RecordAttendance(Command):
    session_date: PastDate
    present: list[ParticipantId] = Field(default_factory=list, max_length=MAX_COHORT)
    absent: list[ParticipantId] = Field(default_factory=list, max_length=MAX_COHORT)

    @model_validator(mode="after")
    def someone_listed_once(self):
        everyone = self.present + self.absent
        if not everyone:
            raise ValueError("list at least one participant as present or absent")
        if len(set(everyone)) != len(everyone):
            raise ValueError("a participant is listed twice")
        return self


class RecordCompletion(Command):
    participant_id: ParticipantId
    result: Literal["PASS", "FAIL"]
    score: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    completed_on: PastDate


class ParticipantQuery(Command):
    district: District | None = None
    phase: Phase | None = None
    cohort_id: str | None = Field(default=None, pattern=COHORT_ID)
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10**9)  # a database integer, whatever the database


class WithdrawConsent(Command):
    withdrawn_on: PastDate
    reason: Text(3, 500, multiline=True)


Score = Annotated[int, Field(ge=0, le=3)]


class RecordAssessment(Command):
    """Needs, and risk and protective factors scored 0 (none) to 3 (strong)."""
    kind: Literal["ENTRY", "EXIT"]
    assessed_on: PastDate
    needs: list[Text(1, 120)] = Field(min_length=1, max_length=30)
    risk_factors: dict[Text(1, 120), Score] = Field(max_length=30)
    protective_factors: dict[Text(1, 120), Score] = Field(max_length=30)
    livelihood_plan: Text(10, 4000, multiline=True)


class ResolveHeld(Command):
    decision: Literal["LINK", "DIFFERENT"]
    participant_id: ParticipantId | None = None

    @model_validator(mode="after")
    def link_names_the_participant(self):
        if (self.decision == "LINK") != (self.participant_id is not None):
            raise ValueError("participant_id is required to LINK and only then")
        return self


class LeaveCohort(Command):
    participant_id: ParticipantId


class RenewConsent(Command):
    """Consent given again by someone who withdrew it: they come back to the programme."""
    renewed_on: PastDate


class AddCaseNote(Command):
    kind: Literal["NOTE", "VISIT"]
    happened_on: PastDate
    text: Text(3, 4000, multiline=True)


PERSONAL_FIELDS = ("full_name", "phone", "national_id", "date_of_birth")


class CorrectPersonalData(Command):
    """Only the fields given are corrected; the reason is kept sealed."""
    full_name: Text(2, 200) | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{7,20}$")
    national_id: Text(3, 40) | None = None
    date_of_birth: PastDate | None = None
    reason: Text(3, 500, multiline=True)

    @model_validator(mode="after")
    def something_to_correct(self):
        if all(getattr(self, name) is None for name in PERSONAL_FIELDS):
            raise ValueError("give at least one field to correct")
        return self


class ParticipantSearch(ParticipantQuery):
    """The list's filters and its search box: a pseudonymous id (or its beginning), an exact
    phone or national id (found through the blind keys), or, for callers allowed to read
    names, part of a name."""
    consent_active: bool | None = None
    text: Text(1, 200) | None = None

"""Grant conditions as data.

A programme stores its conditions as a JSON list such as
`[{"type": "completed_track", "track": "FINANCIAL_LITERACY"}, {"type": "min_attendance",
"percent": 80}]`. Each condition type is one small class registered with `@rule`: its
fields are the rule's parameters and `check()` answers pass/fail with a reason a person
can act on. Adding a condition type touches nothing else.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.contracts import Phase
from shared.errors import ValidationFailed

_RULES: list[type["Rule"]] = []


@cache
def _adapter() -> TypeAdapter:
    return TypeAdapter(list[Annotated[Union[tuple(_RULES)], Field(discriminator="type")]])


@dataclass(frozen=True)
class CohortAttendance:
    """Sessions held and attended in one cohort, counted from attendance marks while it runs."""
    cohort_id: str
    track: str
    sessions_held: int
    sessions_attended: int


@dataclass
class Facts:
    """Everything a condition may look at, gathered once per evaluation."""
    phase: str
    consent_active: bool
    completions: list = field(default_factory=list)
    earlier_grants: list[str] = field(default_factory=list)
    business_operating: bool | None = None  # the latest follow-up visit's finding, if any
    attendance: list[CohortAttendance] = field(default_factory=list)
    mentored: bool = False  # a mentor accepted the participant and the mentorship has not ended


@dataclass(frozen=True)
class Outcome:
    passed: bool
    reason: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    summary: ClassVar[str]

    def check(self, facts: Facts) -> Outcome:
        raise NotImplementedError


def rule(cls: type[Rule]) -> type[Rule]:
    _RULES.append(cls)
    _adapter.cache_clear()
    return cls


def _track_matches(wanted: str, track: str) -> bool:
    return track == wanted or (wanted == "TVET:*" and track.startswith("TVET:"))


@rule
class CompletedTrack(Rule):
    type: Literal["completed_track"]
    track: str = Field(pattern=r"^(TVET:\*|TVET:[a-z_ ]+|FINANCIAL_LITERACY|BUSINESS_DEVELOPMENT|BASIC_EDUCATION:[1-3]|CIVIC_EDUCATION)$")

    def check(self, facts):
        passed = [c for c in facts.completions if _track_matches(self.track, c.track) and c.result == "PASS"]
        if passed:
            return Outcome(True, f"passed {passed[0].track} in cohort {passed[0].cohort_id}")
        failed = [c for c in facts.completions if _track_matches(self.track, c.track)]
        if failed:
            return Outcome(False, f"{self.track} taken in cohort {failed[0].cohort_id} but not passed")
        return Outcome(False, f"no completed {self.track} course")


@rule
class MinAttendance(Rule):
    type: Literal["min_attendance"]
    percent: int = Field(ge=1, le=100)
    tracks: list[str] | None = None

    def check(self, facts):
        """Per cohort, the marks when there are any (they follow corrections and cover cohorts
        still running), else the completion's counts; so an early shortfall shows."""
        measured = {c.cohort_id: c for c in facts.completions}
        measured.update((a.cohort_id, a) for a in facts.attendance)
        relevant = [c for c in measured.values()
                    if self.tracks is None or any(_track_matches(t, c.track) for t in self.tracks)]
        if not relevant:
            return Outcome(False, "no completed course to measure attendance on")
        for c in relevant:
            ratio = Decimal(c.sessions_attended) / c.sessions_held * 100 if c.sessions_held else Decimal(0)
            if ratio < self.percent:
                return Outcome(False, f"attendance {ratio:.0f} % < {self.percent} % in {c.track} cohort {c.cohort_id}")
        return Outcome(True, f"attendance ≥ {self.percent} % in {len(relevant)} course(s)")


@rule
class PhaseIn(Rule):
    type: Literal["phase_in"]
    phases: list[Phase] = Field(min_length=1)

    def check(self, facts):
        if facts.phase in self.phases:
            return Outcome(True, f"phase {facts.phase}")
        return Outcome(False, f"phase {facts.phase} is not one of {', '.join(self.phases)}")


@rule
class ConsentActive(Rule):
    type: Literal["consent_active"]

    def check(self, facts):
        return Outcome(True, "consent active") if facts.consent_active else Outcome(False, "consent withdrawn")


@rule
class HasMentor(Rule):
    """A programme may require a mentor before money (e.g. for a later tranche)."""
    type: Literal["has_mentor"]

    def check(self, facts):
        return Outcome(True, "a mentor is guiding the participant") if facts.mentored else \
            Outcome(False, "no accepted mentorship")


@rule
class FollowUpConfirmed(Rule):
    """Typically a later tranche's condition: a visit found the business operating."""
    type: Literal["follow_up_confirmed"]

    def check(self, facts):
        if facts.business_operating is None:
            return Outcome(False, "no follow-up visit recorded")
        if not facts.business_operating:
            return Outcome(False, "the last follow-up visit found the business not operating")
        return Outcome(True, "a follow-up visit confirmed the business operates")


@rule
class NoEarlierGrant(Rule):
    type: Literal["no_earlier_grant"]

    def check(self, facts):
        if facts.earlier_grants:
            return Outcome(False, f"already granted in this programme: {', '.join(facts.earlier_grants)}")
        return Outcome(True, "no earlier grant in this programme")


def parse_conditions(data) -> list[Rule]:
    """Parse a programme's condition list; a rule that does not parse is refused whole."""
    try:
        rules = _adapter().validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(f"condition {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise ValidationFailed(problems) from None
    if not rules:
        raise ValidationFailed("a programme needs at least one condition")
    return rules

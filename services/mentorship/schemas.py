"""Commands mentorship accepts (validated here, whoever sends them)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.fields import MentorId, ParticipantId, PastDate, PlannedDate, Text

Language = Text(2, 40)
District = Text(2, 60)
Trade = Text(2, 60)
Reason = Text(3, 500, multiline=True)


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _each_language_once(languages: list[str] | None) -> list[str] | None:
    """"Somali" and "somali " are one language, not two shared-language points."""
    if languages is None:
        return None
    seen = {}
    for language in languages:
        seen.setdefault(language.lower(), language)
    return list(seen.values())


class RegisterMentor(Command):
    """A participant who completed the programme (`participant_id`) or a community member (none)."""
    participant_id: ParticipantId | None = None
    district: District
    gender: Literal["F", "M"]
    languages: list[Language] = Field(min_length=1, max_length=10)
    trade: Trade
    capacity: int = Field(ge=1, le=20, strict=True)
    vetted: bool = Field(strict=True)
    vetted_until: PlannedDate | None = None
    available_from: PlannedDate | None = None
    # A community member's birth year (kept rounded down to five); a former participant's
    # comes from enrollment's event.
    birth_year: int | None = Field(default=None, ge=1930, le=2015, strict=True)

    _languages = field_validator("languages")(_each_language_once)


class UpdateMentor(Command):
    """Only the fields given change; `vetted_until`/`available_from` null clears them."""
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=10)
    trade: Trade | None = None
    capacity: int | None = Field(default=None, ge=1, le=20, strict=True)
    vetted: bool | None = Field(default=None, strict=True)
    vetted_until: PlannedDate | None = None
    available_from: PlannedDate | None = None

    _languages = field_validator("languages")(_each_language_once)


class DeactivateMentor(Command):
    reason: Reason


class RunRound(Command):
    """A round for one district, or for the whole programme when `district` is absent."""
    district: District | None = None


class DeclineOffer(Command):
    reason: Reason


class DiscardOffer(Command):
    reason: Reason


class DoNotMatchPair(Command):
    participant_id: ParticipantId
    mentor_id: MentorId


class LogSession(Command):
    held_on: PastDate
    topic: Text(3, 120)
    note: Text(0, 500, multiline=True) = ""

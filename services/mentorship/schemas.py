"""Commands mentorship accepts (validated here, whoever sends them)."""
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Language = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
ParticipantId = Field(pattern=r"^P-[0-9A-Z]{6}$")
MentorId = Field(pattern=r"^M-[0-9A-Z]{6}$")


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
    participant_id: str | None = Field(default=None, pattern=r"^P-[0-9A-Z]{6}$")
    district: str = Field(min_length=2, max_length=60)
    gender: Literal["F", "M"]
    languages: list[Language] = Field(min_length=1, max_length=10)
    trade: str = Field(min_length=2, max_length=60)
    capacity: int = Field(ge=1, le=20, strict=True)
    vetted: bool = Field(strict=True)
    vetted_until: date | None = None
    available_from: date | None = None
    # A community member's birth year (kept rounded down to five); a former participant's
    # comes from enrollment's event.
    birth_year: int | None = Field(default=None, ge=1930, le=2015, strict=True)

    _languages = field_validator("languages")(_each_language_once)


class UpdateMentor(Command):
    """Only the fields given change; `vetted_until`/`available_from` null clears them."""
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=10)
    trade: str | None = Field(default=None, min_length=2, max_length=60)
    capacity: int | None = Field(default=None, ge=1, le=20, strict=True)
    vetted: bool | None = Field(default=None, strict=True)
    vetted_until: date | None = None
    available_from: date | None = None

    _languages = field_validator("languages")(_each_language_once)


class DeactivateMentor(Command):
    reason: str = Field(min_length=3, max_length=500)


class RunRound(Command):
    """A round for one district, or for the whole programme when `district` is absent."""
    district: str | None = Field(default=None, min_length=2, max_length=60)


class DeclineOffer(Command):
    reason: str = Field(min_length=3, max_length=500)


class DiscardOffer(Command):
    reason: str = Field(min_length=3, max_length=500)


class DoNotMatchPair(Command):
    participant_id: str = ParticipantId
    mentor_id: str = MentorId


class LogSession(Command):
    held_on: date
    topic: str = Field(min_length=3, max_length=120)
    note: str = Field(default="", max_length=500)

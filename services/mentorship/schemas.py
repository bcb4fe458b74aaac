"""Commands mentorship accepts (validated here, whoever sends them)."""
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Language = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RegisterMentor(Command):
    participant_id: str | None = Field(default=None, pattern=r"^P-[0-9A-Z]{6}$")
    district: str = Field(min_length=2, max_length=60)
    gender: Literal["F", "M"]
    languages: list[Language] = Field(min_length=1, max_length=10)
    trade: str = Field(min_length=2, max_length=60)
    capacity: int = Field(ge=1, le=20, strict=True)
    vetted: bool = Field(strict=True)

    @field_validator("languages")
    @classmethod
    def each_language_once(cls, languages: list[str]) -> list[str]:
        """"Somali" and "somali " are one language, not two shared-language points."""
        seen = {}
        for language in languages:
            seen.setdefault(language.lower(), language)
        return list(seen.values())


class DeclineOffer(Command):
    reason: str = Field(min_length=3, max_length=500)

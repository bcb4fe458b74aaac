"""Bounded field types for every command schema: text without control or bidirectional
override characters, dates within sensible bounds given as `YYYY-MM-DD`, ids by pattern.

What a person types can end up in a page, a CSV export or a log line: a NUL, a line break
in a one-line field, or a right-to-left override (which makes `exe.txt` read `txt.exe`)
is refused here rather than stored.
"""
import re
from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the bidirectional
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In a one-line field: line feed, carriage return, tab, and Unicode's line and paragraph
# separators (which Python's splitlines, JavaScript and many viewers break lines on).
_LINE_BREAK = re.compile("[\r\n\t\u2028\u2029]")
# The same rules for the OpenAPI document, around the spaces commands strip from either end.
_SCHEMA_FORBIDDEN = {False: r"\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069",
                     True: r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"}
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
EARLIEST = date(1900, 1, 1)
PLANNING_HORIZON = timedelta(days=5 * 366)  # cohorts, vetting and availability: at most five years ahead


def forbidden_character(text: str, multiline: bool = True) -> str | None:
    """The first control or bidirectional override character of `text` (a line break or
    tab too, unless `multiline`), if any."""
    found = _FORBIDDEN_IN_TEXT.search(text) or (None if multiline else _LINE_BREAK.search(text))
    return found.group() if found else None


def _plain(text: str, multiline: bool) -> str:
    bad = forbidden_character(text, multiline)
    if bad is not None:
        raise ValueError(f"must not contain the character U+{ord(bad):04X}")
    return text


def _single_line(text: str) -> str:
    return _plain(text, multiline=False)


def _multiline(text: str) -> str:
    return _plain(text, multiline=True)


def Text(min_length: int = 1, max_length: int = 200, multiline: bool = False, **field):
    """A string of bounded length with no control characters (line breaks only when `multiline`)."""
    bad = _SCHEMA_FORBIDDEN[multiline]
    pattern = rf"^\s*(?:[^\s{bad}](?:[^{bad}]{{0,{max_length - 2}}}[^\s{bad}])?)?\s*$"
    return Annotated[str, AfterValidator(_multiline if multiline else _single_line),
                     Field(min_length=min_length, max_length=max_length, **field),
                     WithJsonSchema({"type": "string", "minLength": min_length, "pattern": pattern})]


def _iso_date(value):
    """Dates travel as `YYYY-MM-DD` strings: a number (which pydantic would read as seconds
    since 1970) or a date-time is refused."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value.strip()


def _not_in_future(value: date) -> date:
    if value > date.today():
        raise ValueError("must not be in the future")
    return value


def _within_horizon(value: date) -> date:
    if value > date.today() + PLANNING_HORIZON:
        raise ValueError("must be within five years from today")
    return value


_DATE_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "pattern": ISO_DATE.pattern})

PastDate = Annotated[date, BeforeValidator(_iso_date), Field(ge=EARLIEST), AfterValidator(_not_in_future),
                     _DATE_SCHEMA]
"""A day that has happened (today at the latest): consent, assessments, attendance, sessions."""

PlannedDate = Annotated[date, BeforeValidator(_iso_date), Field(ge=EARLIEST), AfterValidator(_within_horizon),
                        _DATE_SCHEMA]
"""A day in the past or at most five years ahead: cohort dates, vetting, availability."""

PARTICIPANT_ID = r"^P-[0-9A-Z]{6}$"
COHORT_ID = r"^C-[0-9A-Z]{6}$"
MENTOR_ID = r"^M-[0-9A-Z]{6}$"
ParticipantId = Annotated[str, Field(pattern=PARTICIPANT_ID)]
MentorId = Annotated[str, Field(pattern=MENTOR_ID)]

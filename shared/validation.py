"""Turn untrusted input into typed commands, with one readable error for the caller."""
import json
import re

from pydantic import BaseModel, ValidationError

from shared.errors import ValidationFailed
from shared.fields import forbidden_character

MAX_DEPTH = 32  # the deepest command is a few levels; parsing deeper input costs recursion
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in `raw`, counted without parsing it."""
    deepest = depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def plain_text(values) -> None:
    """Refuse a control or bidirectional override character in any of the strings given."""
    for text in _strings(values):
        bad = forbidden_character(text)
        if bad is not None:
            raise ValidationFailed(f"text must not contain the control character U+{ord(bad):04X}")


def load_json(raw: bytes):
    """A JSON document of bounded nesting whose strings are plain text."""
    if _depth(raw) > MAX_DEPTH:
        raise ValidationFailed(f"body nests deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise ValidationFailed("body is not valid JSON") from None
    plain_text(data)
    return data


def parse(model: type[BaseModel], data) -> BaseModel:
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object" if model.model_fields else
                               "this action takes no input: send an empty JSON object, {}, as the body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(problems(exc)) from None


def problems(exc: ValidationError) -> str:
    """Where and what, never the input: a refusal is answered, logged and kept with a dead
    letter, and the input may be anything, personal data included."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
                     for err in exc.errors(include_url=False))

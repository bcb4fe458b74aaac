"""Form fields into the API's commands: the same schemas validate a page's form and a JSON body."""
from datetime import datetime, timezone

from pydantic import BaseModel, ValidationError

from services.gateway.web.formats import N_
from shared.errors import ValidationFailed


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def words(text: str) -> list[str]:
    """`so, sw` or one per line: a list without blanks."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def budget_lines(text: str, gettext) -> list[dict]:
    """One `item: amount` per line, e.g. `sewing machine: 300.00`; `gettext` words a mistake
    in the page's language."""
    lines = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        item, separator, amount = line.rpartition(":")
        if not separator or not item.strip():
            raise ValidationFailed(gettext(N_("budget line '%(line)s': write it as 'item: amount'"), line=line[:60]))
        lines.append({"item": item.strip(), "amount": amount.strip()})
    return lines


class FormRefused(ValidationFailed):
    """A form's fields broke the command's schema; `errors` are pydantic's, which the page
    turns into words beside each field (field_messages.py)."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors


def command(model: type[BaseModel], data: dict) -> dict:
    """Validate with the API's own schema; the JSON-safe dict an RPC carries."""
    try:
        return model.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        raise FormRefused(exc.errors(include_url=False)) from None


def optional(form, name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None

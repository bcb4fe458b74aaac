"""Turn untrusted dicts into typed commands, with one readable error for the caller."""
from pydantic import BaseModel, ValidationError

from shared.errors import ValidationFailed


def parse(model: type[BaseModel], data) -> BaseModel:
    if not isinstance(data, dict):
        raise ValidationFailed(f"expected a JSON object for {model.__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_url=False))
        raise ValidationFailed(problems) from None

"""Event envelopes and the registry of event contracts.

Every event on the wire is `{event_id, type, version, occurred_at, source, payload}`, and
`request_id` when a request caused it (shared/request_context.py); the
payload is validated against the contract registered for `(type, version)` when it is
written to the outbox and again when a handler receives it.
"""
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import ValidationFailed
from shared.validation import problems

_CONTRACTS: dict[tuple[str, int], type[BaseModel]] = {}


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str
    type: str
    version: int
    occurred_at: datetime
    source: str
    payload: dict[str, Any]
    request_id: str | None = None


def contract(event_type: str, version: int = 1):
    """Class decorator: register a pydantic model as the payload of an event type."""
    def register(model: type[BaseModel]):
        _CONTRACTS[(event_type, version)] = model
        model.event_type = event_type
        model.event_version = version
        return model
    return register


def payload_model(event_type: str, version: int) -> type[BaseModel]:
    try:
        return _CONTRACTS[(event_type, version)]
    except KeyError:
        raise ValidationFailed(f"no contract for event {event_type} v{version}") from None


def new_envelope(source: str, payload: BaseModel, request_id: str | None = None) -> Envelope:
    """Build an envelope for a payload model. The payload's JSON form, exactly what a handler
    will read, is validated against the contract; the envelope's own fields are made here,
    so they are not validated again (this runs once per event on every service's hot path)."""
    model = payload_model(payload.event_type, payload.event_version)
    data = payload.model_dump(mode="json")
    model.model_validate(data)
    return Envelope.model_construct(
        event_id=str(uuid.uuid4()),
        type=payload.event_type,
        version=payload.event_version,
        occurred_at=datetime.now(timezone.utc),
        source=source,
        payload=data,
        request_id=request_id,
    )


def open_envelope(body: dict) -> tuple[Envelope, BaseModel]:
    """Validate a received message body; returns the envelope and its typed payload."""
    try:
        envelope = Envelope.model_validate(body)
        payload = payload_model(envelope.type, envelope.version).model_validate(envelope.payload)
    except ValidationError as exc:
        raise ValidationFailed(f"malformed event: {problems(exc)}") from None
    return envelope, payload

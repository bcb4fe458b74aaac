"""The one place where domain errors become HTTP responses."""
import json
import logging
import uuid

from nameko.exceptions import UnknownService
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from shared import errors, request_context

log = logging.getLogger(__name__)

STATUS = (  # most specific first
    (errors.ValidationFailed, 400),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooManyAttempts, 429),
    (errors.ServiceUnavailable, 503),
)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class UpstreamTimeout(Exception):
    """A service did not answer the gateway in time. What it was asked may still happen:
    money moves only under idempotency keys, so asking again is safe."""


def json_response(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json",
                    headers=SECURITY_HEADERS)


def error_response(exc: Exception) -> Response:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            response = json_response({"error": exc.code, "message": exc.message}, status)
            if isinstance(exc, errors.TooManyAttempts):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
    if isinstance(exc, UpstreamTimeout):
        return json_response({"error": "GATEWAY_TIMEOUT",
                              "message": f"{exc.args[0]}: no answer in time; look before trying again"}, 504)
    if isinstance(exc, UnknownService):
        return json_response({"error": "SERVICE_UNAVAILABLE",
                              "message": f"the {exc.args[0]} service is not running; try again shortly"}, 503)
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return json_response({"error": exc.name.upper().replace(" ", "_"), "message": exc.description},
                             exc.code)
    reference = request_context.request_id() or uuid.uuid4().hex[:12]
    # The type only: a remote error's text can quote SQL parameters, which stay out of logs.
    log.error("unexpected error, reference %s: %s", reference, getattr(exc, "exc_type", type(exc).__name__))
    return json_response({"error": "INTERNAL", "message": f"unexpected error (reference {reference})"}, 500)

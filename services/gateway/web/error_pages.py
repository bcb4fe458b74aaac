"""Errors as pages: the status the API would answer for the same failure, said in plain
words in the page's language, with the layout of every page (and for an unknown /app
address a styled 404, not the API's JSON)."""
import logging
import uuid

from nameko.exceptions import UnknownService
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.gateway.http_errors import STATUS, UpstreamTimeout
from services.gateway.web import i18n
from services.gateway.web.render import html
from shared import request_context

log = logging.getLogger(__name__)


def status_of(exc: Exception) -> tuple[int, str]:
    """The status and error code the API answers for `exc`."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status, exc.code
    if isinstance(exc, UpstreamTimeout):
        return 504, "GATEWAY_TIMEOUT"
    if isinstance(exc, UnknownService):
        return 503, "SERVICE_UNAVAILABLE"
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return exc.code, exc.name.upper().replace(" ", "_")
    return 500, "INTERNAL"


def error_page(exc: Exception, user, language: str) -> Response:
    """The service's own words (English) are shown as the details under a translated headline."""
    status, _code = status_of(exc)
    reference = None
    if status == 500:
        reference = request_context.request_id() or uuid.uuid4().hex[:12]
        log.error("unexpected error on a page, reference %s: %s", reference,
                  getattr(exc, "exc_type", type(exc).__name__))
    return html("error.html", status, language, code=status, detail=getattr(exc, "message", None),
                reference=reference, user=user, csrf=None, notice=None)


def unrouted(environ, status: int) -> Response:
    """An /app address no page answers (404), or a method it does not take (405)."""
    request = Request(environ)
    return html("error.html", status, i18n.chosen(request, None), code=status, detail=None, reference=None,
                user=None, csrf=None, notice=None)

"""`@page`: one declaration per web page or form of its method, path and allowed roles.

Pages share the gateway's one web server with the JSON API (nameko shares a web server
per class, so this is the API's), sign in through the session cookie, check roles with
the API's `authorise`, and refuse any form post without its CSRF token. A form's
expected failure (a refused transition, invalid input, a mistyped id) comes back as a notice
on the page the user was on; a refusal (403) and anything on a page read is an error page
with the status the API would answer.
"""
import functools
import logging
import re
import uuid
from dataclasses import dataclass

from nameko.exceptions import UnknownService
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from services.gateway.accounts import authenticate, authorise
from services.gateway.http_errors import STATUS
from services.gateway.models import User
from services.gateway.routes import ACTION, ApiEntrypoint, acting_as
from services.gateway.web import cookies
from services.gateway.web.render import environment, html, redirect
from shared.errors import DomainError, Forbidden, Unauthenticated

log = logging.getLogger(__name__)

SIGN_IN_PATH = "/app/sign-in"
NAVIGATION = {
    "officer": (("Participants", "/app/participants"), ("Enroll", "/app/enroll"),
                ("Attendance", "/app/attendance"), ("Approvals", "/app/approvals")),
    "supervisor": (("Approvals", "/app/approvals"),),
    "finance": (("Payments", "/app/payments"), ("Reconciliation", "/app/reconciliation")),
    "mentor": (("My offers", "/app/offers"),),
    "monitoring": (("Figures", "/app/figures"),),
    "admin": (("Figures", "/app/figures"),),
}

PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
environment.globals["NAVIGATION"] = NAVIGATION


def home_of(role: str) -> str:
    return NAVIGATION[role][0][1]


def secure_cookies(config: dict) -> bool:
    return config["GATEWAY"]["public_url"].startswith("https://")


@dataclass
class Page:
    """What a page handler works with: the request, who is signed in, and how to answer."""
    request: object
    user: User
    csrf: str
    secure: bool

    def show(self, template: str, **context) -> Response:
        notice = cookies.notice(self.request)
        response = html(template, user=self.user, csrf=self.csrf, notice=notice, **context)
        if notice:
            cookies.forget_notice(response, self.secure)
        return response

    def then(self, location: str, message: str, problem: bool = False) -> Response:
        response = redirect(location)
        cookies.tell(response, message, self.secure, problem)
        return response


def _error(status: int, message: str, user: User | None) -> Response:
    return html("error.html", status, code=status, message=message, user=user, csrf=None, notice=None)


def error_page(exc: Exception, user: User | None = None) -> Response:
    status = next((status for cls, status in STATUS if isinstance(exc, cls)), None)
    if status is not None:
        return _error(status, exc.message, user)
    if isinstance(exc, UnknownService):
        return _error(503, f"the {exc.args[0]} service is not running; try again shortly", user)
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        return _error(exc.code, exc.description, user)
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error on a page, reference %s: %s", reference, getattr(exc, "exc_type", type(exc).__name__))
    return _error(500, f"unexpected error (reference {reference})", user)


class PageEntrypoint(HttpRequestHandler):
    server = ApiEntrypoint.server

    def __init__(self, method, url, **kwargs):
        super().__init__(method, url, expected_exceptions=(DomainError,), **kwargs)

    def response_from_exception(self, exc):
        return error_page(exc)


def page(method: str, path: str, roles, back: str | None = None):
    """Declare a page (GET) or a form's target (POST). A POST's expected failure returns
    to the page `back` (written like `path`, e.g. `/app/grants/<application_id>`; by
    default the path itself)."""
    roles = frozenset(roles)
    back = back or path

    def decorate(function):
        @functools.wraps(function)
        def handler(self, request, **params):
            request.environ[ACTION] = path
            request.max_content_length = self.config["GATEWAY"]["max_import_bytes"]
            secure = secure_cookies(self.config)
            token = request.cookies.get(cookies.SESSION, "")
            try:
                with self.db.session.begin():
                    user = authenticate(self.db.session, f"Bearer {token}", self.config["GATEWAY"])
            except Unauthenticated:
                if method == "GET":
                    return redirect(SIGN_IN_PATH)
                raise Unauthenticated("you are not signed in (or your session ended); sign in again") from None
            acting_as(request, user.username, user.role)
            try:
                authorise(user, roles)
                if method == "POST":
                    cookies.check_csrf(token, request.form)
                return function(self, Page(request, user, cookies.csrf_token(token), secure), **params)
            except DomainError as exc:
                if method != "POST" or isinstance(exc, Forbidden):
                    return error_page(exc, user)
                response = redirect(PATH_PARAM.sub(lambda m: str(params[m.group(1)]), back))
                cookies.tell(response, exc.message, secure, problem=True)
                return response

        return PageEntrypoint.decorator(method, path)(handler)

    return decorate

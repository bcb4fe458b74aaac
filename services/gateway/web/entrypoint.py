"""`@page`: one declaration per web page or form target, of its method, path, allowed roles
and district scope, in the pages' table (`routes.PAGES`), like `@api` for an endpoint.

A page runs through the API's own pipeline (`routes.pipeline`): the session cookie is the
credential, then the same role check, the same central district scope check of every
record the path, query or form names, the same RPC timeouts and the same audit row. A form
post must also carry its CSRF token. A form's expected failure (invalid input, a refused
transition) shows the page it came from again, with what was typed and, beside each
field, what is wrong, in the form that was posted only (each form names itself in a hidden
`form` field: a page's other forms may have fields of the same names); a refusal (403), a timeout and any failure of a page read is an
error page with the status the API would answer.
"""
import functools
import re
from dataclasses import dataclass, field

import eventlet
from nameko.web.handlers import HttpRequestHandler
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from services.gateway.http_errors import UpstreamTimeout
from services.gateway.models import User
from services.gateway.routes import ERROR, PAGES, ApiEntrypoint, CsvUpload, Route, pipeline
from services.gateway.web import cookies, i18n
from services.gateway.web.error_pages import error_page, status_of
from services.gateway.web.field_messages import field_errors
from services.gateway.web.formats import N_
from services.gateway.web.forms import FormRefused
from services.gateway.web.render import add_globals, environments, html, redirect
from shared.errors import DomainError, Forbidden, Unauthenticated

SIGN_IN_PATH = "/app/sign-in"
NAVIGATION = {
    "officer": ((N_("Participants"), "/app/participants"), (N_("Enroll"), "/app/enroll"),
                (N_("Attendance"), "/app/attendance"), (N_("Approvals"), "/app/approvals"),
                (N_("Mentorship"), "/app/mentorship")),
    "supervisor": ((N_("Approvals"), "/app/approvals"), (N_("Participants"), "/app/participants")),
    "finance": ((N_("Payments"), "/app/payments"), (N_("Reconciliation"), "/app/reconciliation"),
                (N_("Books"), "/app/books")),
    "mentor": ((N_("My offers"), "/app/offers"),),
    "monitoring": ((N_("Figures"), "/app/figures"), (N_("Audit trail"), "/app/admin/audit")),
    "admin": ((N_("Figures"), "/app/figures"), (N_("Users"), "/app/admin/users"),
              (N_("Programmes"), "/app/admin/programmes"), (N_("Partners"), "/app/admin/partners"),
              (N_("Courses"), "/app/admin/courses"), (N_("Audit trail"), "/app/admin/audit")),
}
SIGNED_OUT = "you are not signed in (or your session ended); sign in again"
FORM_FIELD = "form"  # the hidden field naming the form on its page (csrf_field in _forms.html)
NOT_ECHOED = frozenset({"password", "current_password", "new_password", "repeat_password", "api_token",
                        cookies.CSRF_FIELD, FORM_FIELD})
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
add_globals(NAVIGATION=NAVIGATION)


def home_of(role: str) -> str:
    return NAVIGATION[role][0][1]


def secure_cookies(config: dict) -> bool:
    return config["GATEWAY"]["public_url"].startswith("https://")


@dataclass
class Refusal:
    """A refused form shown again: the problem, the form's name, what was typed in it, and
    words for each of its fields."""
    message: str
    status: int
    form: str = ""
    typed: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def typed_in(self, form: str) -> dict:
        return self.typed if form and form == self.form else {}

    def errors_in(self, form: str) -> dict:
        return self.errors if form and form == self.form else {}


@dataclass
class Page:
    """What a page handler works with: the request, who is signed in, and how to answer."""
    request: object
    user: User | None
    csrf: str | None
    secure: bool
    language: str
    refusal: Refusal | None = None

    def gettext(self, message: str, **values) -> str:
        """`message` in this page's language, with `%(name)s` filled from `values`."""
        text = i18n.translations(self.language).gettext(message)
        return text % values if values else text

    def label(self, code) -> str:
        """A code as words in this page's language, as the templates' `label` filter shows it."""
        return environments[self.language].filters["label"](code)

    def money(self, amount, currency: str) -> str:
        """An amount with separators and its currency, as the templates' `money` filter shows it."""
        return environments[self.language].filters["money"](amount, currency)

    def show(self, template: str, **context) -> Response:
        notice, status, kept = cookies.notice(self.request), 200, {}
        if self.refusal is not None:
            notice, status = {"problem": True, "message": self.refusal.message}, self.refusal.status
            kept = {"typed": self.refusal.typed_in, "errors": self.refusal.errors_in}
        response = html(template, status, self.language, user=self.user, csrf=self.csrf, notice=notice,
                        here=self.request.full_path.rstrip("?"), **kept, **context)
        if cookies.notice(self.request):
            cookies.forget_notice(response, self.secure)
        return response

    def then(self, location: str, message: str, problem: bool = False) -> Response:
        """Redirect, with a message (already in the page's language) for the next page."""
        response = redirect(location)
        cookies.tell(response, message, self.secure, problem)
        return response


class PageEntrypoint(HttpRequestHandler):
    server = ApiEntrypoint.server

    def __init__(self, method, url, **kwargs):
        super().__init__(method, url, expected_exceptions=(DomainError,), **kwargs)

    def response_from_exception(self, exc):
        return error_page(exc, None, i18n.DEFAULT)


def submitted(values) -> dict:
    """A query's or form's fields: one value, or a list for a repeated name."""
    return {name: (found if len(found) > 1 else found[0]) for name, found in values.lists()}


def _failed(request, exc: Exception, view: Page | None) -> Response:
    request.environ[ERROR] = status_of(exc)[1]
    if view is None:
        return error_page(exc, None, i18n.chosen(request, None))
    return error_page(exc, view.user, view.language)


def _shown_again(service, view: Page, exc: DomainError, back: str, params: dict) -> Response:
    """The page `back` (a GET page of the table, written like a path) with the refusal on it."""
    status, code = status_of(exc)
    view.request.environ[ERROR] = code
    typed = {name: value for name, value in submitted(view.request.form).items() if name not in NOT_ECHOED}
    errors = field_errors(exc.errors, typed, view.gettext) if isinstance(exc, FormRefused) else {}
    message = view.gettext(N_("Some answers need another look: see the words beside the fields.")) \
        if errors else exc.message
    filled = PARAM.sub(lambda m: str(params[m.group(1)]), back)
    path, _, query = filled.partition("?")
    target = next((r for r in PAGES if r.method == "GET" and r.path == back.partition("?")[0]), None)
    if target is None:
        return view.then(filled, message, problem=True)
    environ = EnvironBuilder(path=path, query_string=query, method="GET",
                             headers={"Cookie": view.request.headers.get("Cookie", "")}).get_environ()
    shown = Page(Request(environ), view.user, view.csrf, view.secure, view.language,
                 Refusal(message, status, view.request.form.get(FORM_FIELD, ""), typed, errors))
    names = {name: params[name] for name in PARAM.findall(target.path)}
    with eventlet.Timeout(service.config["GATEWAY"][target.timeout_setting], UpstreamTimeout(target.template)):
        return target.function(service, shown, **names)


def page(method: str, path: str, roles, scope: str | None = None, back: str | None = None, upload: bool = False):
    """Declare a page (GET) or a form's target (POST). `scope=DISTRICT` marks one naming
    records an officer may only reach in their district; a POST's expected failure shows
    the GET page `back` again (written like `path`, e.g. `/app/grants/<application_id>`;
    by default the path itself); `upload=True` for a file upload (the import timeout)."""
    roles = frozenset(roles)
    back = back or path

    def decorate(function):
        route = Route(method, path, roles, CsvUpload if upload else None, None, (function.__doc__ or "").strip(),
                      200, scope, function)
        PAGES.append(route)

        @functools.wraps(function)
        def handler(self, request, **params):
            request.max_content_length = self.config["GATEWAY"]["max_import_bytes"]
            secure = secure_cookies(self.config)
            token = request.cookies.get(cookies.SESSION, "")
            views: list[Page] = []

            def read(user):
                views.append(Page(request, user, cookies.csrf_token(token) if user else None, secure,
                                  i18n.chosen(request, user)))
                if method == "POST" and user is not None:
                    cookies.check_csrf(token, request.form)
                named = [{name: value for name, value in submitted(values).items() if value not in ("", [])}
                         for values in (request.args, request.form)]
                return [params, *named], views[0]

            try:
                return pipeline(self, request, route, f"Bearer {token}", read,
                                lambda view: function(self, view, **params))
            except Unauthenticated:
                if method == "GET":
                    return redirect(SIGN_IN_PATH)
                return _failed(request, Unauthenticated(SIGNED_OUT), None)
            except (DomainError, UpstreamTimeout) as exc:
                view = views[0] if views else None
                if method == "POST" and view is not None and isinstance(exc, DomainError) \
                        and not isinstance(exc, Forbidden):
                    try:
                        return _shown_again(self, view, exc, back, params)
                    except (DomainError, UpstreamTimeout) as again:
                        return _failed(request, again, view)
                return _failed(request, exc, view)

        return PageEntrypoint.decorator(method, path)(handler)

    return decorate

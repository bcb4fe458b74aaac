"""`@api`: one declaration per endpoint of its method, path, allowed roles (and district
scope) and body schema.

The declarations form the authorisation table (ROUTES) that the OpenAPI document and
the role tests walk. Handlers receive the signed-in user and the validated body.
Every request gets a request id (echoed in `X-Request-Id`), and every state-changing
request is written to the audit trail, whatever its outcome.
"""
import functools
import json
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

import eventlet
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from pydantic import BaseModel
from sqlalchemy.orm import Session
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from services.gateway import audit, scope as district_scope
from services.gateway.accounts import authenticate, authorise
from services.gateway.http_errors import UpstreamTimeout, error_response, json_response
from services.gateway.web.error_pages import unrouted
from shared.config import database_url
from shared.db import make_engine
from shared.errors import DomainError, NotFound, ValidationFailed
from shared import listening, metrics, request_context
from shared.fields import forbidden_character
from shared.validation import load_json, parse, plain_text

PUBLIC = frozenset()
DISTRICT = "district"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# What an endpoint leaves in the WSGI environ for the audit row written after the response
# (ACTION also tells that an endpoint, not werkzeug's routing, answered).
REQUEST_ID, ACTOR, ACTION = "ddrr.request_id", "ddrr.actor", "ddrr.action"
ERROR = "ddrr.error"  # the error code of a page's refusal (a page is HTML: its body names none)
WEB = "/app"  # the web pages' addresses: errors there are pages, not JSON


class CsvUpload:
    """Marks an endpoint whose body is a raw CSV file (text/csv), not JSON."""


class Reply(NamedTuple):
    """A handler's answer when its status depends on the outcome."""
    status: int
    payload: object


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    roles: frozenset[str]
    body: type | None
    query: type[BaseModel] | None
    summary: str
    status: int
    scope: str | None = None  # DISTRICT: an officer with a district acts only inside it
    function: Callable | None = None
    response: type[BaseModel] | None = None  # the success answer's schema, where documented
    also: tuple[int, ...] = ()  # other success statuses the handler answers (a `Reply`)
    csv: bool = False  # answers text/csv too (when the query asks for it)
    creates: str | None = None  # the answer's field naming the record made, linked to the operations taking it

    @property
    def timeout_setting(self) -> str:
        """Which GATEWAY setting bounds the wait for the services' answer."""
        if self.body is CsvUpload:
            return "import_timeout_seconds"
        return "read_timeout_seconds" if self.method == "GET" else "command_timeout_seconds"

    @property
    def operation_id(self) -> str:
        """`post_grants_application_id_approve`: unique, for the document's links."""
        return self.method.lower() + re.sub(r"[^a-z0-9]+", "_", self.template.lower()).rstrip("_")

    @property
    def template(self) -> str:
        """The path as OpenAPI writes it: `/grants/{application_id}`."""
        return PATH_PARAM.sub(r"{\2}", self.path)


ROUTES: list[Route] = []
PAGES: list[Route] = []  # the web pages' table (services/gateway/web/entrypoint.py declares them)


def acting_as(request, username: str, role: str | None) -> None:
    """Name who made this request in its audit row, and its role in the log lines of every service."""
    request.environ[ACTOR] = (username, role)
    request_context.set_role(role)


def _outcome(response: Response) -> str:
    """`201`, or `403 FORBIDDEN`: the status and, for an error, its code."""
    if response.status_code < 400 or response.mimetype != "application/json":
        return str(response.status_code)
    try:
        return f"{response.status_code} {json.loads(response.get_data())['error']}"
    except (ValueError, KeyError, TypeError):
        return str(response.status_code)


def _answer(app, environ) -> Response:
    """Run the WSGI app on this very environ (werkzeug's `Response.from_app` runs it on a
    copy, which would hide what the endpoint left there for the audit row)."""
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    status, headers = started[0]
    return Response(data, status=status, headers=headers)


class JsonWebServer(WebServer):
    """nameko's web server, except that werkzeug's own error pages (unknown paths and
    methods, answered before any entrypoint runs) leave the gateway as JSON (under /app
    as a styled page),
    every answer carries its request id, and every state-changing request, routed or
    not, is audited once its answer is known."""

    def get_wsgi_app(self):
        app = super().get_wsgi_app()
        self.audit_engine = make_engine(database_url(self.container.config, "gateway"))

        def gateway(environ, start_response):
            environ[REQUEST_ID] = audit.request_id(environ.get("HTTP_X_REQUEST_ID"))
            request_context.serving(environ[REQUEST_ID])
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
            if forbidden_character(path, multiline=False):
                response = json_response({"error": "VALIDATION_ERROR",
                                          "message": "the path must not contain control characters"}, 400)
            else:
                response = _answer(app, environ)
            status = response.status_code
            if status >= 400 and ACTION not in environ and environ.get("PATH_INFO", "").startswith(WEB):
                allow = response.headers.get("Allow")
                response = unrouted(environ, status)
                if allow:
                    response.headers["Allow"] = allow
            elif status >= 400 and ACTION not in environ and response.mimetype != "application/json":
                name = HTTP_STATUS_CODES.get(status, "error")
                allow = response.headers.get("Allow")
                response = json_response({"error": name.upper().replace(" ", "_"),
                                          "message": f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: "
                                                     f"{name.lower()}"}, status)
                if allow:
                    response.headers["Allow"] = allow
            response.headers["X-Request-Id"] = environ[REQUEST_ID]
            metrics.HTTP_REQUESTS.labels(environ.get(ACTION, "unrouted"), response.status_code).inc()
            if environ["REQUEST_METHOD"] not in SAFE_METHODS:
                self._audit(environ, response)
            return response(environ, start_response)

        return gateway

    def start(self):
        """nameko's start, with the port bound exclusively."""
        if not self._starting:
            self._starting = True
            self._sock = listening.listen(self.bind_addr.address, self.bind_addr.port)
            self._sock.settimeout(None)  # kombu's socket timeout would otherwise reach accept()
            self._serv = self.get_wsgi_server(self._sock, self.get_wsgi_app())
            self._gt = self.container.spawn_managed_thread(self.run)

    def context_data_from_headers(self, request):
        """The request id goes to the worker, and from there to every RPC and event it causes."""
        return {request_context.REQUEST_ID: request.environ[REQUEST_ID]}

    def _audit(self, environ, response: Response) -> None:
        username, role = environ.get(ACTOR, (None, None))
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        outcome = f"{response.status_code} {environ[ERROR]}" if ERROR in environ else _outcome(response)
        with Session(self.audit_engine) as session, session.begin():
            audit.record(session, username=username, role=role, action=f"{method} {environ.get(ACTION, path)}",
                         target=path, outcome=outcome, request_id=environ[REQUEST_ID])

    def stop(self):
        super().stop()
        self.audit_engine.dispose()


class ApiEntrypoint(HttpRequestHandler):
    server = JsonWebServer()

    def __init__(self, method, url, **kwargs):
        super().__init__(method, url, expected_exceptions=(DomainError,), **kwargs)

    def response_from_exception(self, exc):
        return error_response(exc)


def pipeline(service, request, route: Route, authorization: str | None, read: Callable, run: Callable):
    """The one way in for an endpoint or a page: authenticate the credential, check the role,
    `read(user)` the input (body, query or form: what it names, and the handler's
    arguments), then, within the route's RPC timeout, check the district scope of every
    record named and `run(arguments)` the handler. The caller turns what is raised into
    its kind of answer (JSON for the API, a page for the web)."""
    request.environ[ACTION] = route.template
    user = None
    if route.roles:
        with service.db.transaction():
            user = authenticate(service.db.session, authorization, service.config["GATEWAY"])
        acting_as(request, user.username, user.role)
        authorise(user, route.roles)
    named, arguments = read(user)
    with eventlet.Timeout(service.config["GATEWAY"][route.timeout_setting], UpstreamTimeout(route.template)):
        if user is not None:
            district_scope.require(service, user, *named)
        return run(arguments)


MAX_NUMBERED_ID = 2**31 - 1  # the largest row number any database of the suite hands out


def numbered_in_range(params: dict) -> None:
    """A numbered record (`<int:…>` in a path) beyond any row number is unknown, like any
    other unknown record, rather than a number the database cannot even compare."""
    if any(isinstance(value, int) and not 0 < value <= MAX_NUMBERED_ID for value in params.values()):
        raise NotFound("no such record")


def body(model: BaseModel) -> dict:
    """A validated body as the JSON-safe dict an RPC carries."""
    return model.model_dump(mode="json")


def read_body(request, model: type | None, limits: dict):
    limit = limits["max_import_bytes" if model is CsvUpload else "max_body_bytes"]
    if request.content_length is not None and request.content_length > limit:
        raise ValidationFailed(f"body larger than {limit} bytes")
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise ValidationFailed(f"body larger than {limit} bytes")
    if model is CsvUpload:
        return raw
    return parse(model, load_json(raw))


def api(method: str, path: str, roles=PUBLIC, body: type | None = None,
        query: type[BaseModel] | None = None, status: int = 200, scope: str | None = None,
        request: bool = False, response: type[BaseModel] | None = None, also: tuple[int, ...] = (),
        csv: bool = False, creates: str | None = None):
    """Declare an endpoint. `scope=DISTRICT` marks one whose handler keeps an officer to
    their district; `request=True` hands the handler the raw request too (as `request=`);
    `also`, `csv` and `creates` complete what the OpenAPI document says of its answers."""
    roles = frozenset(roles)

    def decorate(function):
        route = Route(method, path, roles, body, query, (function.__doc__ or "").strip(), status, scope, function,
                      response, also, csv, creates)
        ROUTES.append(route)

        @functools.wraps(function)
        def handler(self, raw_request, **params):
            def read(user):
                numbered_in_range(params)
                given = read_body(raw_request, body, self.config["GATEWAY"]) if body is not None else None
                asked = None
                if query is not None:
                    plain_text(raw_request.args.to_dict())
                    asked = parse(query, raw_request.args.to_dict())
                arguments = ([user] if roles else []) + [part for part in (given, asked) if part is not None]
                return district_scope.request_values(params, given, asked), arguments

            def run(arguments):
                return function(self, *arguments, **params, **({"request": raw_request} if request else {}))

            result = pipeline(self, raw_request, route, raw_request.headers.get("Authorization"), read, run)
            if isinstance(result, Response):
                return result
            if isinstance(result, Reply):
                return json_response(result.payload, result.status)
            return json_response(result, status)

        return ApiEntrypoint.decorator(method, path)(handler)

    return decorate

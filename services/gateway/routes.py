"""`@api`: one declaration per endpoint of its method, path, allowed roles and body schema.

The declarations form the authorisation table (ROUTES) that the OpenAPI document and
the role tests walk. Handlers receive the signed-in user and the validated body.
"""
import functools
import json
from dataclasses import dataclass
from typing import NamedTuple

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from pydantic import BaseModel
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from services.gateway.accounts import authenticate, authorise
from services.gateway.http_errors import error_response, json_response
from shared.errors import DomainError, ValidationFailed
from shared.validation import parse

PUBLIC = frozenset()


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


ROUTES: list[Route] = []


class JsonWebServer(WebServer):
    """nameko's web server, except that no error leaves the gateway as an HTML page
    (unknown paths and methods are answered by werkzeug before any entrypoint runs)."""

    def get_wsgi_app(self):
        app = super().get_wsgi_app()

        def json_errors(environ, start_response):
            response = Response.from_app(app, environ)
            status = response.status_code
            if status >= 400 and response.mimetype != "application/json":
                name = HTTP_STATUS_CODES.get(status, "error")
                response = json_response({"error": name.upper().replace(" ", "_"),
                                          "message": f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}: "
                                                     f"{name.lower()}"}, status)
            return response(environ, start_response)

        return json_errors


class ApiEntrypoint(HttpRequestHandler):
    server = JsonWebServer()

    def __init__(self, method, url, **kwargs):
        super().__init__(method, url, expected_exceptions=(DomainError,), **kwargs)

    def response_from_exception(self, exc):
        return error_response(exc)


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
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        raise ValidationFailed("body is not valid JSON") from None
    return parse(model, data)


def api(method: str, path: str, roles=PUBLIC, body: type | None = None,
        query: type[BaseModel] | None = None, status: int = 200):
    roles = frozenset(roles)

    def decorate(function):
        ROUTES.append(Route(method, path, roles, body, query, (function.__doc__ or "").strip(), status))

        @functools.wraps(function)
        def handler(self, request, **params):
            user = None
            if roles:
                with self.db.session.begin():
                    user = authenticate(self.db.session, request.headers.get("Authorization"))
                authorise(user, roles)
            arguments = [user] if roles else []
            if body is not None:
                arguments.append(read_body(request, body, self.config["GATEWAY"]))
            if query is not None:
                arguments.append(parse(query, request.args.to_dict()))
            result = function(self, *arguments, **params)
            if isinstance(result, Response):
                return result
            if isinstance(result, Reply):
                return json_response(result.payload, result.status)
            return json_response(result, status)

        return ApiEntrypoint.decorator(method, path)(handler)

    return decorate

"""The provider's HTTP API (Werkzeug WSGI): routes, bearer-token check, JSON errors and the
request faults (500s before any work, slow answers after the work is done)."""
import hmac
import itertools
import json
import logging
import time
from datetime import date
from decimal import Decimal

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.provider import funds, parsing, payments, simulation, statement
from services.provider.units import utc
from services.provider.models import FloatReturn, TopUp
from shared.errors import DomainError, IdempotencyConflict, InsufficientFunds, NotFound, Unauthenticated, ValidationFailed

log = logging.getLogger(__name__)
STATUS = {ValidationFailed: 400, Unauthenticated: 401, NotFound: 404, IdempotencyConflict: 409, InsufficientFunds: 409}

ROUTES = Map([
    Rule("/health", endpoint="health", methods=["GET"]),
    Rule("/v1/batches", endpoint="batch", methods=["POST"]),
    Rule("/v1/payments/status", endpoint="bulk_status", methods=["POST"]),
    Rule("/v1/payments/<reference_id>", endpoint="payment_status", methods=["GET"]),
    Rule("/v1/statement", endpoint="statement", methods=["GET"]),
    Rule("/v1/float", endpoint="float_balance", methods=["GET"]),
    Rule("/v1/float/topups", endpoint="top_up", methods=["POST"]),
    Rule("/v1/float/returns", endpoint="float_return", methods=["POST"]),
    Rule("/v1/accounts/verify", endpoint="verify_account", methods=["POST"]),
    Rule("/_faults", endpoint="faults", methods=["GET", "POST"]),
])


def as_json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def error(status: int, code: str, message: str) -> Response:
    return as_json({"error": code, "message": message}, status)


class ProviderApp:
    def __init__(self, engine, settings, switches, on_batch=lambda: None):
        self.engine, self.settings, self.switches, self.on_batch = engine, settings, switches, on_batch
        self._requests = itertools.count()

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        try:
            endpoint, values = ROUTES.bind_to_environ(request.environ).match()
            if endpoint != "health":
                self._authenticate(request)
            if endpoint not in ("health", "faults"):
                return self._with_faults(lambda: getattr(self, endpoint)(request, **values))
            return getattr(self, endpoint)(request, **values)
        except DomainError as exc:
            return error(STATUS.get(type(exc), 400), exc.code, exc.message)
        except HTTPException as exc:
            return error(exc.code, exc.name.upper().replace(" ", "_"), exc.description)
        except Exception:
            log.exception("provider request %s %s failed", request.method, request.path)
            return error(500, "INTERNAL_ERROR", "the provider failed to handle the request")

    def _authenticate(self, request: Request) -> None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.settings.token}".encode()):
            raise Unauthenticated("a valid bearer token is required")

    def _with_faults(self, handle) -> Response:
        """A 500 before any work (nothing stored), or the answer held back `timeout_seconds`
        after the work is done (stored, but the caller has given up waiting)."""
        faults, number = self.switches.current, str(next(self._requests))
        if simulation.score(self.settings.seed, "error", number) < faults.error_rate:
            return error(500, "INTERNAL_ERROR", "simulated provider fault")
        answer = handle()
        if simulation.score(self.settings.seed, "timeout", number) < faults.timeout_rate:
            time.sleep(faults.timeout_seconds)
        return answer

    def _body(self, request: Request):
        if request.content_length is None or request.content_length > self.settings.max_body_bytes:
            raise ValidationFailed(f"send a JSON body with a Content-Length of at most {self.settings.max_body_bytes} bytes")
        try:
            return json.loads(request.get_data(cache=False), parse_float=Decimal)
        except ValueError:
            raise ValidationFailed("the body is not JSON") from None

    def health(self, request):
        return as_json({"status": "ok"})

    def batch(self, request):
        key = parsing.key(request.headers.get("X-Reference-Id"), "the X-Reference-Id header")
        answer = payments.accept_batch(self.engine, self.settings, key, parsing.batch(self._body(request)), time.time())
        self.on_batch()
        return as_json(answer, 202)

    def payment_status(self, request, reference_id):
        found = payments.statuses(self.engine, [reference_id])["payments"]
        if not found:
            raise NotFound(f"no payment with reference {reference_id}")
        return as_json(found[0])

    def bulk_status(self, request):
        return as_json(payments.statuses(self.engine, parsing.references(self._body(request))))

    def statement(self, request):
        try:
            first, last = (date.fromisoformat(request.args[name]) for name in ("from", "to"))
        except (KeyError, ValueError):
            raise ValidationFailed("give from and to as dates like 2026-11-01") from None
        if last < first:
            raise ValidationFailed("to is before from")
        return Response(statement.export(self.engine, self.settings, first, last), mimetype="text/csv")

    def float_balance(self, request):
        return as_json(funds.current(self.engine, self.settings))

    def top_up(self, request):
        return self._transfer(request, TopUp, "the top-up")

    def float_return(self, request):
        return self._transfer(request, FloatReturn, "the return")

    def _transfer(self, request, table, what: str):
        reference, minor, currency = parsing.float_transfer(self._body(request), what)
        status, answer = funds.transfer(self.engine, self.settings, table, reference, minor, currency, utc(time.time()))
        return as_json(answer, status)

    def verify_account(self, request):
        account, name = parsing.name_check(self._body(request))
        seed, settings = self.settings.seed, self.settings
        if not simulation.account_known(seed, account, settings.unknown_account_rate):
            return as_json({"result": "UNKNOWN_ACCOUNT"})
        matched = simulation.name_matches(seed, account, name, settings.name_mismatch_rate)
        return as_json({"result": "MATCH" if matched else "NO_MATCH"})

    def faults(self, request):
        if request.method == "POST":
            self.switches.change(self._body(request))
        return as_json(self.switches.current.as_dict())

"""The provider's callbacks, received on the ledger's own small HTTP server (a Werkzeug WSGI
app under eventlet's WSGI server, started by the ledger service on `LEDGER.rail.
callback_address`; the gateway's nameko web server is another process and port).

`POST /provider/callbacks` with the provider's signature headers: a missing, stale or wrong
signature is refused with 401 and nothing is recorded. A verified callback
`{"batch_id", "callback_id", "results": [...]}` records each final result on its order once
(`results.record`: a repeat or an out-of-order result changes nothing); a result for a
reference the ledger never sent is kept once in `stray_callback_results` and refused. The
answer is 200 `{"recorded", "unchanged", "refused": [references]}`; posting to the ledger
happens in the adapter's next tick."""
import json
import logging

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from werkzeug.wrappers import Request, Response

from services.ledger.models import PaymentOrder, StrayCallbackResult
from services.ledger.payments import results
from services.ledger.payments.orders import now
from services.provider import signing

log = logging.getLogger(__name__)
PATH = "/provider/callbacks"
MAX_BODY_BYTES = 8 * 1024 * 1024


def _answer(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _refusal(status: int, code: str, message: str) -> Response:
    return _answer(status, {"error": code, "message": message})


class CallbackApp:
    def __init__(self, engine: Engine, secret: str):
        self.engine, self.secret = engine, secret

    def __call__(self, environ, start_response):
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.path != PATH:
            return _refusal(404, "NOT_FOUND", "no such path")
        if request.method != "POST":
            return _refusal(405, "METHOD_NOT_ALLOWED", "POST a callback")
        if request.content_length is None or request.content_length > MAX_BODY_BYTES:
            return _refusal(400, "VALIDATION_ERROR", f"a callback has a Content-Length of at most {MAX_BODY_BYTES}")
        body = request.get_data(cache=False)
        if not signing.verify(self.secret, body, request.headers):
            log.warning("callback refused: bad or missing signature")
            return _refusal(401, "BAD_SIGNATURE", "the signature does not verify")
        try:
            callback = json.loads(body)
            callback_id, found = str(callback["callback_id"]), callback["results"]
            if not isinstance(found, list) or not all(isinstance(r, dict) and isinstance(r.get("reference_id"), str)
                                                      for r in found):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return _refusal(400, "VALIDATION_ERROR", "expected {\"callback_id\", \"results\": [...]}")
        return _answer(200, self.record(callback_id, found))

    def record(self, callback_id: str, found: list[dict]) -> dict:
        with self.engine.begin() as conn:
            recorded = results.record(conn, found)  # a reference never sent matches no order: it moves nothing
            stray = [] if recorded == len(found) else self._stray(conn, found)  # looked for only if some did not move
            if stray:
                kept = set(conn.scalars(select(StrayCallbackResult.reference_id).where(
                    StrayCallbackResult.callback_id == callback_id[:64])))
                rows = {r["reference_id"]: {"callback_id": callback_id[:64], "reference_id": r["reference_id"][:128],
                                            "status": str(r.get("status"))[:20], "received_at": now()}
                        for r in stray if r["reference_id"] not in kept}
                if rows:
                    conn.execute(insert(StrayCallbackResult), list(rows.values()))
                log.warning("callback %s: %d result(s) for references never sent: kept, refused", callback_id, len(stray))
        return {"recorded": recorded, "unchanged": len(found) - len(stray) - recorded,
                "refused": [r["reference_id"] for r in stray]}

    @staticmethod
    def _stray(conn, found: list[dict]) -> list[dict]:
        """The results for references the ledger never sent."""
        references, known = [r["reference_id"] for r in found], set()
        for start in range(0, len(references), results.CHUNK):
            known.update(conn.scalars(select(PaymentOrder.reference_id).where(
                PaymentOrder.reference_id.in_(references[start:start + results.CHUNK]))))
        return [r for r in found if r["reference_id"] not in known]

"""A callback receiver for tests, demos and the benchmark: a threaded HTTP server that
checks each callback's signature (401 when it fails) and keeps what arrived, so a caller
can wait for the results it expects."""
import json
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.provider import signing


class CallbackReceiver:
    def __init__(self, secret: str, host: str = "127.0.0.1", port: int = 0, status: int = 200):
        self.secret, self.status = secret, status
        self.callbacks: list[dict] = []     # every verified callback body, in arrival order
        self.refused = 0                    # callbacks whose signature failed
        self._results = 0
        self._changed = threading.Condition()
        self._server = make_server(host, port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="callback-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}/callbacks"

    def __enter__(self) -> "CallbackReceiver":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()

    def _app(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        with self._changed:
            if not signing.verify(self.secret, body, request.headers):
                self.refused += 1
                return Response(status=401)(environ, start_response)
            callback = json.loads(body)
            self.callbacks.append(callback)
            self._results += len(callback["results"])
            self._changed.notify_all()
        return Response(status=self.status)(environ, start_response)

    @property
    def results(self) -> list[dict]:
        """Every result received, duplicates included, in arrival order."""
        with self._changed:
            return [result for callback in self.callbacks for result in callback["results"]]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """True once `count` results (duplicates included) have arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._results < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

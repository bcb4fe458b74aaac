"""A real partner API on 127.0.0.1 (http.server in a thread, green under eventlet) whose
answers a test scripts: "ok" (200), "500", or "sleep" (longer than the client's timeout)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PartnerServer:
    def __init__(self, script=("ok",), sleep_seconds: float = 1.0, on_request=None):
        self.script = list(script)  # the last entry repeats
        self.sleep_seconds = sleep_seconds
        self.on_request = on_request  # called with the parsed body while the request is open
        self.received: list[dict] = []
        self.observed: list = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    server.received.append({"path": self.path, "headers": dict(self.headers), "raw": raw,
                                            "body": json.loads(raw)})
                    action = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                if server.on_request is not None:
                    server.observed.append(server.on_request(json.loads(raw)))
                if action == "sleep":
                    time.sleep(server.sleep_seconds)
                status = 500 if action == "500" else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"received": true}')
                except OSError:
                    pass  # the client gave up waiting

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/referrals"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, *script):
        with self._lock:
            self.script = list(script)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

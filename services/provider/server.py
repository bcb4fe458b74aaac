"""The provider as a process: a threaded Werkzeug server for the API and the dispatcher
thread that decides payments and sends callbacks. `ddrr serve provider` calls `run`;
tests start a `ProviderServer` in-process on a free port."""
import logging
import signal
import threading

from werkzeug.serving import make_server

from services.provider.app import ProviderApp
from services.provider.dispatcher import Dispatcher
from services.provider.settings import FaultSwitches, Settings
from shared import garbage_collection
from shared.db import make_engine
from shared.migrations import upgrade

log = logging.getLogger(__name__)


class ProviderServer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.switches = FaultSwitches(settings.faults)
        self.dispatcher = Dispatcher(self.engine, settings, self.switches)
        self.app = ProviderApp(self.engine, settings, self.switches, on_batch=self.dispatcher.wake)
        host, port = settings.host_port
        self._server = make_server(host, port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="provider-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> "ProviderServer":
        self.dispatcher.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        self.dispatcher.stop()
        self.engine.dispose()


def run(config: dict) -> None:
    """Migrate the provider's database, then serve until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_config(config)
    upgrade("provider", settings.database_url)
    server = ProviderServer(settings).start()
    garbage_collection.tune()
    stopping = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stopping.set())
    log.info("simulated payment provider listening on %s", server.url)
    while not stopping.wait(1):
        pass
    server.stop()

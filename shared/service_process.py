"""One nameko service as one operating-system process: `ddrr serve` execs this, in place
of `nameko run`.

`nameko run` starts a new stop for every SIGTERM. A service receives two when a signal
goes to the whole process group and `ddrr run` also stops its children; the second stop
of a service with `@timer` entrypoints fails ("Trying to re-send() an already-triggered
event") and the process never exits. Here the first SIGTERM or SIGINT stops the service,
later ones are ignored, a stop that takes longer than STOP_SECONDS becomes a kill and a
kill longer than KILL_SECONDS an exit, so the process always ends in time. Its containers
survive a broker lost while answering an RPC (shared/service_container.py).

Beside the service it serves the process's operations port (shared/health.py: metrics,
liveness, readiness), binds every port it serves exclusively (shared/listening.py), logs through shared/logging_setup.py and, once started, sets the
garbage collector for a long-running process (shared/garbage_collection.py).

Usage: python -m shared.service_process services.<name>.service:<Name>Service
"""
import eventlet  # the package shared/__init__.py, imported first, has silenced its deprecation warning

eventlet.monkey_patch()

import errno  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.cli.run import import_service  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from shared import garbage_collection, health, listening, logging_setup  # noqa: E402
from shared.config import database_url, load  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.service_container import PATH as CONTAINER  # noqa: E402
from shared.settings import check  # noqa: E402

log = logging.getLogger(__name__)
STOP_SECONDS = 6
KILL_SECONDS = 2


def end(runner: ServiceRunner) -> None:
    for finish, seconds in ((runner.stop, STOP_SECONDS), (runner.kill, KILL_SECONDS)):
        with eventlet.Timeout(seconds, False):
            finish()
            return
        log.warning("%s did not end within %d s", finish.__name__, seconds)
    os._exit(1)


def serve(service_path: str) -> None:
    config = load()
    service_classes = import_service(service_path)
    name = service_classes[0].name
    settings = check(config, name)
    logging_setup.configure(name, config["LOG"])
    runner = ServiceRunner({**config, "SERVICE_CONTAINER_CLS": CONTAINER})
    for service_cls in service_classes:
        runner.add_service(service_cls)
    ending = []

    def end_once(signum, _frame):
        if not ending:  # signal handlers run outside any greenlet: end in one
            ending.append(signum)
            eventlet.spawn_n(end, runner)

    signal.signal(signal.SIGTERM, end_once)
    signal.signal(signal.SIGINT, end_once)
    try:
        health.serve(name, settings.metrics_address(name), settings.AMQP_URI,
                     make_engine(database_url(config, name)))
        runner.start()
    except listening.AddressInUse as exc:  # one line, not a traceback; what had started dies with the process
        log.error("%s cannot start: %s", name, exc.strerror)
        logging.shutdown()
        os._exit(1)
    garbage_collection.tune()
    waiting = eventlet.spawn(runner.wait)  # raises if a container died: the process then exits non-zero
    while True:
        try:
            waiting.wait()
            return
        except OSError as exc:  # a signal interrupted the wait
            if exc.errno != errno.EINTR:
                raise


if __name__ == "__main__":
    serve(sys.argv[1])

"""With the services' log level at DEBUG, no personal data from an RPC reply reaches the log:
nameko's RPC proxy writes every reply body at DEBUG, and shared/logging_setup.py holds the
loggers that write bodies back whatever level is asked for."""
import io
import json
import logging

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.enrollment.service import EnrollmentService
from shared import logging_setup
from tests.enrollment.conftest import PERSON


@pytest.fixture
def debug_log():
    """The services' logging at DEBUG, written where the test reads it; put back afterwards."""
    root, loggers = logging.getLogger(), [logging.getLogger(name) for name in logging_setup.BODY_LOGGERS]
    handlers, level, levels = root.handlers[:], root.level, [logger.level for logger in loggers]
    logging_setup.configure("tests", {"format": "json", "level": "DEBUG"})
    written = io.StringIO()
    root.handlers[0].setStream(written)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    root.handlers[:] = handlers
    root.setLevel(level)
    for logger, old in zip(loggers, levels):
        logger.setLevel(old)


def test_no_participant_name_from_an_rpc_reply_is_logged_at_debug(config, runner_factory, debug_log):
    runner_factory(config, EnrollmentService).start()
    with ClusterRpcProxy(config, timeout=30) as proxy:
        pid = proxy.enrollment.enroll_participant(PERSON, "officer-a")["participant_id"]
        record = proxy.enrollment.get_participant(pid, True)
        logging.getLogger("nameko.rpc").setLevel(logging.DEBUG)  # someone turns the proxy's log up, too
        assert proxy.enrollment.get_participant(pid, True) == record
    assert record["personal"]["full_name"] == PERSON["full_name"]
    lines = debug_log()
    assert any(line["level"] == "DEBUG" and line["logger"].startswith("nameko") for line in lines)  # DEBUG is on
    logged = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for personal in (PERSON["full_name"], PERSON["phone"], PERSON["national_id"], PERSON["date_of_birth"]):
        assert personal not in logged

"""One HTTP request followed through the logs: its X-Request-Id is in a JSON log line of
every service it touched, in the outbox row and the envelope of the event it caused, and
a 500's reference is the request id."""
import json
import logging

import eventlet
import requests
from sqlalchemy import create_engine, select

from services.enrollment.models import Base as EnrollmentBase
from services.gateway.http_errors import error_response
from shared import request_context
from shared.logging_setup import ContextFilter, JsonFormatter
from tests.e2e.test_grant_path import PERSON
from tests.support import eventually

OUTBOX = EnrollmentBase.metadata.tables["outbox"]


def json_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if hasattr(record, "service")]


def test_a_request_id_is_in_the_logs_of_every_service_it_reaches(suite, config, caplog):
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(ContextFilter("tests"))
    officer = suite.new_user("officer-k", "officer", "Kismayo")
    answer = requests.post(f"{officer.base_url}/participants", json=PERSON, timeout=30,
                           headers={"Authorization": f"Bearer {officer.token}", "X-Request-Id": "req-follow-1"})
    assert answer.status_code == 201 and answer.headers["X-Request-Id"] == "req-follow-1"

    def services_logging_it():
        return {line["service"] for line in json_lines(caplog) if line.get("request_id") == "req-follow-1"}

    eventually(lambda: services_logging_it() >= {"gateway", "enrollment", "livelihoods", "mentorship"})
    lines = [line for line in json_lines(caplog) if line.get("request_id") == "req-follow-1"]
    assert {line["user_role"] for line in lines if line["service"] == "enrollment"} == {"officer"}
    assert any(line.get("event_id") for line in lines if line["service"] == "livelihoods")
    assert all(set(line) <= {"time", "level", "service", "logger", "message", "request_id", "event_id",
                             "user_role", "exception"} for line in lines)
    assert not any(PERSON["full_name"] in line["message"] or PERSON["phone"] in line["message"] for line in lines)

    engine = create_engine(config["DATABASES"]["enrollment"])
    with engine.connect() as conn:
        row = conn.execute(select(OUTBOX.c.request_id, OUTBOX.c.body)
                           .where(OUTBOX.c.event_type == "participant.enrolled")).one()
    engine.dispose()
    assert row.request_id == "req-follow-1" and json.loads(row.body)["request_id"] == "req-follow-1"


def test_an_unexpected_error_is_referenced_by_its_request_id():
    def answer_in_a_request():  # as the gateway's HTTP greenthread does; this test's own context stays clean
        request_context.serving("req-500")
        return error_response(RuntimeError("boom"))

    answer = eventlet.spawn(answer_in_a_request).wait()
    assert answer.status_code == 500
    assert json.loads(answer.get_data())["message"] == "unexpected error (reference req-500)"

"""The audit trail: admin and M&E page through it, nobody else reads it, and nobody —
through the API or straight in the database — edits or deletes a row."""
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from services.gateway import audit
from services.gateway.models import audit_events
from shared.db import make_engine


def test_admin_and_monitoring_page_and_filter(people):
    admin, monitoring = people["admin"], people["monitoring"]
    for n in range(3):
        people["officer"].post("/programmes", {"code": f"NOPE-{n}"}, expect=403)
    first = monitoring.get("/audit?limit=2&username=officer-1")
    second = monitoring.get("/audit?limit=2&offset=2&username=officer-1")
    assert first["total"] == second["total"] == 3
    assert [e["id"] for e in first["events"]] > [e["id"] for e in second["events"]]  # newest first
    event = first["events"][0]
    assert set(event) == {"id", "at", "username", "role", "action", "target", "outcome", "request_id"}
    assert (event["role"], event["action"], event["target"], event["outcome"]) == (
        "officer", "POST /programmes", "/programmes", "403 FORBIDDEN")
    assert event["at"].endswith("+00:00")
    users = admin.get("/audit?action=POST%20/users&limit=500")
    assert users["total"] == 5 and all(e["action"] == "POST /users" for e in users["events"])
    assert admin.get("/audit?action=%25")["total"] == 0  # the prefix is matched literally
    for role in ("officer", "supervisor", "finance", "mentor"):
        assert people[role].get("/audit", expect=403)["error"] == "FORBIDDEN"
    assert admin.get("/audit?limit=0", expect=400)["error"] == "VALIDATION_ERROR"
    assert admin.get("/audit?sort=id", expect=400)["error"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_no_endpoint_edits_the_trail(people, method):
    admin = people["admin"]
    total = admin.get("/audit")["total"]
    assert admin.call(method, "/audit", {}).status_code == 405
    trail = admin.get("/audit?limit=1")
    assert trail["total"] == total + 1  # the attempt itself is recorded
    assert (trail["events"][0]["action"], trail["events"][0]["outcome"]) == (
        f"{method} /audit", "405 METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_the_database_refuses_updates_and_deletes(base_config):
    engine = make_engine(base_config["DATABASES"]["gateway"])
    with Session(engine) as session, session.begin():
        audit.record(session, username="amina", role="officer", action="POST /grants", target="/grants",
                     outcome="201", request_id="r-1")
    for change in (update(audit_events).values(outcome="200"), delete(audit_events)):
        with pytest.raises(DatabaseError, match="append-only"), Session(engine) as session, session.begin():
            session.execute(change)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_events"))
    with Session(engine) as session:
        assert session.execute(select(audit_events.c.username, audit_events.c.outcome)).all() == [("amina", "201")]
    engine.dispose()

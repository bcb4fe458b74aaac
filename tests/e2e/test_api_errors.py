"""Bad input at the gateway: a 4xx with a clear code, and nothing written."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods.models import GrantApplication
from shared.db import make_engine
from tests.e2e.test_grant_path import PERSON, PLAN, PROGRAMME
from tests.support import eventually


@pytest.fixture
def office(suite, config):
    admin = suite
    officer = admin.as_user(admin.post("/users", {"username": "officer-x", "role": "officer"}, expect=201)["token"])
    admin.post("/programmes", PROGRAMME, expect=201)
    pid = officer.post("/participants", PERSON, expect=201)["participant_id"]
    eventually(lambda: officer.call("GET", f"/programmes/LG-2026/eligibility/{pid}").status_code == 200)
    engine = make_engine(config["DATABASES"]["livelihoods"])

    def applications():
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(GrantApplication))

    yield admin, officer, pid, applications
    engine.dispose()


def grant(pid, **overrides):
    return {"programme": "LG-2026", "participant_id": pid, "amount": "100.00", "currency": "USD",
            "business_plan": PLAN, **overrides}


@pytest.mark.parametrize("overrides, status, code, words", [
    ({"amount": "12,50"}, 400, "VALIDATION_ERROR", "not a number"),
    ({"amount": "-5.00"}, 400, "VALIDATION_ERROR", "must be positive"),
    ({"amount": "0"}, 400, "VALIDATION_ERROR", "must be positive"),
    ({"amount": 12.5}, 400, "VALIDATION_ERROR", "decimal string"),
    ({"amount": 100}, 400, "VALIDATION_ERROR", "decimal string"),
    ({"amount": "100.001"}, 400, "VALIDATION_ERROR", "two decimal places"),
    ({"amount": "900.00"}, 400, "VALIDATION_ERROR", "above the programme's grant"),
    ({"currency": "EUR"}, 400, "VALIDATION_ERROR", "pays in USD"),
    ({"programme": "NOPE-1"}, 404, "UNKNOWN_PROGRAMME", "NOPE-1"),
    ({"participant_id": "P-ZZZZZZ"}, 404, "UNKNOWN_PARTICIPANT", "P-ZZZZZZ"),
    ({"currency": None}, 400, "VALIDATION_ERROR", "currency"),
    ({"surprise": "field"}, 400, "VALIDATION_ERROR", "surprise"),
])
def test_bad_grant_applications_are_refused_and_write_nothing(office, overrides, status, code, words):
    _admin, officer, pid, applications = office
    body = {k: v for k, v in grant(pid, **overrides).items() if v is not None}
    answer = officer.post("/grants", body, expect=status)
    assert answer["error"] == code and words in answer["message"], answer
    assert applications() == 0


def test_missing_field_unknown_participant_and_broken_json(office):
    admin, officer, pid, applications = office
    body = grant(pid)
    del body["business_plan"]
    assert "business_plan" in officer.post("/grants", body, expect=400)["message"]
    assert officer.get("/participants/P-ZZZZZZ", expect=404)["error"] == "UNKNOWN_PARTICIPANT"
    response = officer.call("POST", "/participants", expect=None)
    assert response.status_code == 400 and response.json()["message"] == "the body must be a JSON object"
    no_body = officer.call("POST", "/auth/sign-out", expect=400).json()  # an action taking no input
    assert no_body["message"] == "this action takes no input: send an empty JSON object, {}, as the body"
    assert officer.get("/auth/me")["role"] == "officer"  # refused: still signed in
    raw = officer.call("POST", f"/participants/{pid}/phase")
    assert raw.status_code == 400 and raw.json()["error"] == "VALIDATION_ERROR"
    assert applications() == 0


def test_illegal_phase_change_is_refused(office):
    _admin, officer, pid, _ = office
    answer = officer.post(f"/participants/{pid}/phase", {"to_phase": "AFTERCARE"}, expect=409)
    assert answer["error"] == "ILLEGAL_TRANSITION" and "allowed: REHABILITATION, WITHDRAWN" in answer["message"]


def test_authentication_and_roles(office):
    admin, officer, pid, _ = office
    anonymous = admin.as_user(None)
    assert anonymous.get(f"/participants/{pid}", expect=401)["error"] == "UNAUTHENTICATED"
    assert admin.as_user("forged-token").get(f"/participants/{pid}", expect=401)["error"] == "UNAUTHENTICATED"
    assert admin.post("/grants", grant(pid), expect=403)["error"] == "FORBIDDEN"
    assert officer.post("/users", {"username": "sneaky", "role": "admin"}, expect=403)["error"] == "FORBIDDEN"


def test_openapi_document_lists_every_route_with_its_roles(office):
    admin, *_ = office
    document = admin.as_user(None).get("/openapi.json")
    operation = document["paths"]["/grants/{application_id}/approve"]["post"]
    assert operation["x-roles"] == ["officer", "supervisor"]
    assert document["paths"]["/grants"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateApplication"}
    assert "BusinessPlan" in document["components"]["schemas"]


def test_unknown_paths_and_methods_answer_json(suite):
    anonymous = suite.as_user(None)
    missing = anonymous.call("GET", "/no/such/thing", expect=404)
    assert missing.headers["Content-Type"] == "application/json" and missing.json()["error"] == "NOT_FOUND"
    wrong_method = anonymous.call("DELETE", "/health", expect=405)
    assert wrong_method.json()["error"] == "METHOD_NOT_ALLOWED"
    assert set(wrong_method.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


def test_deep_nesting_is_refused_before_parsing(office):
    _admin, officer, pid, applications = office
    for deep in (b"[" * 100_000, b'{"a":' * 40 + b"1" + b"}" * 40):
        answer = officer.call_raw("POST", "/grants", deep, "application/json", expect=400).json()
        assert answer["error"] == "VALIDATION_ERROR" and "nests deeper" in answer["message"]
    assert applications() == 0


@pytest.mark.parametrize("change, words", [
    ({"full_name": "Amina\x00Warsame"}, "U+0000"),
    ({"clearance_reference": "NSC-\u202e2026"}, "U+202E"),
    ({"full_name": "Amina\nWarsame"}, "U+000A"),
    ({"full_name": "Amina\u2028Warsame"}, "U+2028"),
    ({"consent": {"given_on": "2999-01-01"}}, "future"),
    ({"consent": {"given_on": 0}}, "YYYY-MM-DD"),
    ({"date_of_birth": "1999-04-12T00:00:00"}, "YYYY-MM-DD"),
    ({"languages": ["so"] * 10_000}, "at most 10"),
    ({"languages": ["s" * 41]}, "at most 40"),
])
def test_bad_text_dates_and_lists_are_refused_and_write_nothing(office, change, words):
    _admin, officer, _pid, _applications = office
    before = officer.get("/participants")
    answer = officer.post("/participants", {**PERSON, "national_id": "SO-NEW-1", "phone": "+252 61 000 1111",
                                            "full_name": "Hodan Yusuf", **change}, expect=400)
    assert answer["error"] == "VALIDATION_ERROR" and words in answer["message"], answer
    assert officer.get("/participants") == before


def _many_lines(pid):
    return grant(pid, business_plan={**PLAN, "budget_lines": [{"item": "nail", "amount": "0.10"}] * 1000})


def _nul_narration(_pid):
    return {"key": "fix-nul-1", "day": "2026-11-02", "narration": "Moved\x00 to bank", "currency": "USD",
            "reason": "monthly review", "lines": [{"account": "Assets:Bank:MDTF", "side": "DEBIT", "amount": "1.00"},
                                                   {"account": "Expenses:Bank-Charges", "side": "CREDIT", "amount": "1.00"}]}


def _future_funding(_pid):
    return {"amount": "1000.00", "currency": "USD", "reference": "MDTF-LATER",
            "received_on": (date.today() + timedelta(days=1)).isoformat()}


def _many_conditions(_pid):
    return {**PROGRAMME, "code": "LG-MANY", "conditions": [{"type": "consent_active"}] * 100}


@pytest.mark.parametrize("role, path, make, words, listing", [
    ("officer", "/grants", _many_lines, "at most 50", "/grants"),
    ("finance", "/ledger/journal", _nul_narration, "U+0000", "/ledger/journal"),
    ("finance", "/programmes/LG-2026/funding", _future_funding, "future", "/programmes/LG-2026/budget"),
    ("admin", "/programmes", _many_conditions, "at most 20", "/programmes"),
])
def test_unbounded_lists_control_characters_and_future_days_are_refused_everywhere(office, role, path, make, words,
                                                                                   listing):
    admin, officer, pid, applications = office
    caller = {"admin": admin, "officer": officer}.get(role) or admin.new_user("money", "finance")
    before = caller.get(listing)
    answer = caller.post(path, make(pid), expect=400)
    assert answer["error"] == "VALIDATION_ERROR" and words in answer["message"], answer
    assert caller.get(listing) == before and applications() == 0


def test_a_mentor_available_from_zero_is_not_a_date(office):
    admin, *_ = office
    answer = admin.post("/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"], "trade": "tailoring",
                                     "capacity": 2, "vetted": True, "available_from": 0}, expect=400)
    assert "YYYY-MM-DD" in answer["message"]


def test_control_characters_in_a_path_or_query_are_a_400(suite):
    anonymous = suite.as_user(None)
    page = anonymous.call("GET", "/app/participants/P-1%0d%0aSet-Cookie:%20x=1", expect=400)
    assert "Set-Cookie" not in page.headers and page.headers["Content-Type"].startswith("text/html")
    answer = anonymous.call("GET", "/participants/P-%00", expect=400)
    assert answer.json()["error"] == "VALIDATION_ERROR" and "Set-Cookie" not in answer.headers
    assert suite.call("GET", "/audit?action=POST%00", expect=400).json()["error"] == "VALIDATION_ERROR"


def test_a_numbered_record_beyond_any_row_number_is_unknown(suite):
    finance = suite.new_user("finance-huge-id", "finance")
    for path in ("/ledger/period/reopen/922266792771097591808/approve",
                 "/ledger/statements/S-NOPE/items/922266792771097591808/approve"):
        assert finance.call("POST", path, json={}, expect=404).json()["error"] == "NOT_FOUND"

"""Every id in a request, not just the path's: an officer of another district naming a
Kismayo participant, cohort, hold, mentor, offer, round, application or referral anywhere
in a request (path, body, query) gets the 404 an unknown id gets, and nothing changes."""
import copy
import hashlib
import re
import time

import pytest
from sqlalchemy import MetaData, select

from services.gateway.routes import DISTRICT, PATH_PARAM, ROUTES
from services.gateway.schemas import Empty
from services.gateway.scope import SCOPED
from shared.db import make_engine
from tests.e2e.test_grant_path import ENTRY_ASSESSMENT, PERSON, PLAN, PROGRAMME
from tests.gateway.test_authorisation_table import scoped_names
from tests.support import eventually

UNKNOWN = {"participant": "P-ZZZZZZ", "cohort": "C-ZZZZZZ", "hold": "H-ZZZZZZ", "mentor": "M-ZZZZZZ",
           "offer": "O-ZZZZZZ", "round": "R-ZZZZZZ", "application": "G-ZZZZZZZZ", "referral": "R-ZZZZZZZZ"}
PARTNER = {"code": "MFI-1", "name": "Kismayo Microfinance", "products": ["savings"],
           "districts": ["Kismayo", "Baidoa"]}
MENTOR = {"gender": "F", "languages": ["so"], "trade": "tailoring", "capacity": 2, "vetted": True}
UNSCOPED_PATH_VALUES = {"programme": "LG-2026"}
NAMES = {"Kismayo": ("Amina Warsame", "Faduma Ali"), "Baidoa": ("Hodan Yusuf", "Sahra Omar")}
# A valid body (or query) for every officer endpoint that names a record; the scoped
# fields are filled in by the walk.
EXAMPLES = {
    ("GET", "/participants"): {"cohort_id": None},
    ("POST", "/participants/<participant_id>/phase"): {"to_phase": "REHABILITATION"},
    ("POST", "/participants/<participant_id>/assessments"): ENTRY_ASSESSMENT,
    ("POST", "/participants/<participant_id>/consent/withdraw"): {"withdrawn_on": "2026-10-01",
                                                                   "reason": "moved away"},
    ("PUT", "/participants/<participant_id>/payment-account"): {"kind": "MOBILE_MONEY", "msisdn": "+252615550199",
                                                                "provider": "SIMMOBILE"},
    ("POST", "/holds/<held_id>/resolve"): {"decision": "LINK", "participant_id": None},
    ("POST", "/cohorts/<cohort_id>/members"): {"participant_id": None},
    ("POST", "/cohorts/<cohort_id>/leave"): {"participant_id": None},
    ("POST", "/cohorts/<cohort_id>/attendance"): {"session_date": "2026-09-10", "present": None},
    ("POST", "/cohorts/<cohort_id>/completions"): {"participant_id": None, "result": "PASS",
                                                   "completed_on": "2026-10-30"},
    ("POST", "/mentors"): {"participant_id": None, "district": "Baidoa", **MENTOR},
    ("PATCH", "/mentors/<mentor_id>"): {"capacity": 3},
    ("POST", "/mentors/<mentor_id>/deactivate"): {"reason": "moved away"},
    ("POST", "/mentorship/do-not-match"): {"participant_id": None, "mentor_id": None},
    ("POST", "/mentorship/offers/<offer_id>/discard"): {"reason": "not a good fit"},
    ("POST", "/referrals"): {"participant_id": None, "partner": "MFI-1", "product": "savings", "trade": "tailoring",
                             "data_sharing_consent": {"given_on": "2026-10-01"}},
    ("POST", "/grants"): {"programme": "LG-2026", "participant_id": None, "amount": "100.00", "currency": "USD",
                          "business_plan": PLAN},
    ("POST", "/grants/<application_id>/revise"): {"amount": "120.00", "business_plan": PLAN},
    ("POST", "/grants/<application_id>/reject"): {"reason": "not ready"},
    ("POST", "/grants/<application_id>/return"): {"reason": "not ready"},
    ("POST", "/grants/<application_id>/cancel"): {"reason": "not ready"},
    ("POST", "/grants/<application_id>/follow-up"): {"visited_on": "2026-10-01", "business_operating": True,
                                                     "note": "the stall is open"},
}
NOT_STATE = re.compile(r"^(audit_events|outbox|inbox|.*dead_letter.*|alembic_version)$")


def person(name: str, district: str, phone: str, national_id: str, born: str) -> dict:
    return {**PERSON, "full_name": name, "district": district, "phone": phone, "national_id": national_id,
            "date_of_birth": born}


def records(admin, officer, district: str, tag: str) -> dict:
    """A participant, a duplicate held for review, a cohort and a mentor of `district`."""
    phone = f"+252 61 555 0{tag}"
    first, second = NAMES[district]
    pid = officer.post("/participants", person(first, district, phone, f"SO-{tag}", "1990-01-01"),
                       expect=201)["participant_id"]
    held = officer.post("/participants", person(second, district, phone, f"SO-{tag}-2", "1991-05-05"),
                        expect=202)["held_id"]  # the same phone
    cohort = officer.post("/cohorts", {"course_code": "FL-101", "district": district, "starts_on": "2026-09-07",
                                       "ends_on": "2026-10-30", "capacity": 25}, expect=201)["cohort_id"]
    mentor = admin.post("/mentors", {"district": district, **MENTOR}, expect=201)["mentor_id"]
    return {"participant": pid, "hold": held, "cohort": cohort, "mentor": mentor}


@pytest.fixture
def districts(suite):
    admin = suite
    kismayo = admin.new_user("officer-k", "officer", "Kismayo")
    baidoa = admin.new_user("officer-b", "officer", "Baidoa")
    admin.post("/programmes", PROGRAMME, expect=201)
    admin.post("/courses", {"code": "FL-101", "track": "FINANCIAL_LITERACY", "title": "Managing money"}, expect=201)
    admin.post("/partners", PARTNER, expect=201)
    foreign, own = records(admin, kismayo, "Kismayo", "101"), records(admin, baidoa, "Baidoa", "202")
    pid = foreign["participant"]
    eventually(lambda: kismayo.call("GET", f"/programmes/LG-2026/eligibility/{pid}").status_code == 200)
    foreign["application"] = kismayo.post("/grants", {**EXAMPLES[("POST", "/grants")], "participant_id": pid},
                                          expect=201)["application_id"]
    foreign["referral"] = kismayo.post("/referrals", {**EXAMPLES[("POST", "/referrals")], "participant_id": pid},
                                       expect=201)["referral_id"]
    matched = eventually(lambda: kismayo.call("POST", "/mentorship/rounds", {}).json().get("matches"))
    foreign["round"], foreign["offer"] = matched[0]["round_id"], matched[0]["offer_id"]
    return admin, baidoa, foreign, own


def fingerprint(config) -> str:
    """A digest of every service's stored state (not the audit trail or message bookkeeping)."""
    digest = hashlib.sha256()
    for name, url in sorted(config["DATABASES"].items()):
        engine = make_engine(url)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            for table in sorted(metadata.tables.values(), key=lambda t: t.name):
                if not NOT_STATE.match(table.name):
                    rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                    digest.update(f"{name}.{table.name}:{rows}".encode())
        engine.dispose()
    return digest.hexdigest()


def settled(config) -> str:
    """The state once the events of the set-up have all been applied."""
    previous = None
    while (current := fingerprint(config)) != previous:
        previous = current
        time.sleep(1)
    return current


def request(route, ids: dict) -> tuple[str, str, dict | None]:
    """The route's method, path and body (or query) with each named record's id from `ids`."""
    path = PATH_PARAM.sub(lambda m: ids[SCOPED[m.group(2)]] if m.group(2) in SCOPED
                          else UNSCOPED_PATH_VALUES[m.group(2)], route.path)
    example = copy.deepcopy(EXAMPLES.get((route.method, route.path), {} if route.body is Empty else None))
    for name in list(example or {}):
        if name in SCOPED:
            value = ids[SCOPED[name]]
            example[name] = [value] if name in ("present", "absent") else value
    if route.method == "GET" and example:
        return route.method, path + "?" + "&".join(f"{k}={v}" for k, v in example.items()), None
    return route.method, path, example


def walked_routes():
    return [route for route in ROUTES if "officer" in route.roles and scoped_names(route) - {"district"}]


def test_every_officer_route_naming_a_record_has_an_example():
    for route in walked_routes():
        assert route.scope == DISTRICT
        assert route.body in (None, Empty) or (route.method, route.path) in EXAMPLES, (route.method, route.path)


def test_another_districts_records_anywhere_in_a_request_are_unknown(districts, config):
    admin, baidoa, foreign, own = districts
    before = settled(config)
    walked = 0
    for route in walked_routes():
        for name in sorted(scoped_names(route) - {"district"}):
            kind = SCOPED[name]
            method, path, payload = request(route, {**own, **{kind: foreign[kind]}})
            answer = baidoa.call(method, path, payload)
            assert answer.status_code == 404, (method, path, payload, answer.text)
            method, path, payload = request(route, {**own, **{kind: UNKNOWN[kind]}})
            unknown = baidoa.call(method, path, payload)
            assert unknown.status_code == 404, (method, path, payload, unknown.text)
            assert answer.json() == {**unknown.json(), "message": unknown.json()["message"].replace(
                UNKNOWN[kind], foreign[kind])}, (method, path)
            assert "Kismayo" not in answer.text
            walked += 1
    assert walked >= 35
    assert fingerprint(config) == before
    refused = {(event["action"], event["outcome"]) for event in admin.get("/audit?limit=500&action=POST")["events"]}
    assert ("POST /mentorship/do-not-match", "404 UNKNOWN_PARTICIPANT") in refused


def test_naming_another_district_is_refused_and_its_records_untouched(districts, config):
    _admin, baidoa, foreign, _own = districts
    before = settled(config)
    answer = baidoa.post("/cohorts", {"course_code": "FL-101", "district": "Kismayo", "starts_on": "2026-09-07",
                                      "ends_on": "2026-10-30", "capacity": 25}, expect=403)
    assert answer["error"] == "FORBIDDEN"
    baidoa.post("/mentorship/rounds", {"district": "Kismayo"}, expect=403)
    assert fingerprint(config) == before

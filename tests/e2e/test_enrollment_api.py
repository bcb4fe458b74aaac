"""Enrollment through the gateway over RabbitMQ: district scope, duplicates held and
resolved, CSV import, consent withdrawal reaching livelihoods and mentorship."""
import pytest

from tests.e2e.test_grant_path import PERSON, PROGRAMME
from tests.support import eventually

CSV = ("full_name,phone,national_id,date_of_birth,gender,district,languages,livelihood_interest,"
       "clearance_reference,consent_given_on\n"
       "Faduma Yusuf,+252 61 777 0001,SO-77-1,1996-03-03,F,Kismayo,so,tailoring,NSC-77-1,2026-09-01\n"
       "Bad Row,+252 61 777 0002,SO-77-2,not-a-date,M,Kismayo,so,,NSC-77-2,2026-09-01\n")


@pytest.fixture
def staff(suite):
    admin = suite

    def user(name, role, district=None):
        return admin.as_user(admin.post("/users", {"username": name, "role": role, "district": district},
                                        expect=201)["token"])

    return {"admin": admin, "kismayo": user("officer-k", "officer", "Kismayo"),
            "baidoa": user("officer-b", "officer", "Baidoa"), "supervisor": user("super", "supervisor")}


def test_district_scope_and_roles(staff):
    kismayo, baidoa, supervisor = staff["kismayo"], staff["baidoa"], staff["supervisor"]
    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    assert baidoa.get(f"/participants/{pid}", expect=403)["error"] == "FORBIDDEN"
    assert baidoa.post(f"/participants/{pid}/phase", {"to_phase": "WITHDRAWN"}, expect=403)["error"] == "FORBIDDEN"
    assert kismayo.post("/participants", {**PERSON, "district": "Baidoa", "national_id": "X-9"},
                        expect=403)["error"] == "FORBIDDEN"
    assert [p["participant_id"] for p in kismayo.get("/participants?district=Baidoa")] == [pid]  # own district
    assert baidoa.get("/participants") == []
    assert [p["participant_id"] for p in supervisor.get("/participants?phase=ENTRY_ASSESSMENT")] == [pid]
    assert supervisor.get("/participants?phase=NOWHERE", expect=400)["error"] == "VALIDATION_ERROR"


def test_duplicates_are_held_and_resolved(staff):
    kismayo = staff["kismayo"]
    first = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    assert kismayo.post("/participants", PERSON, expect=409)["message"] == f"already enrolled: {first}"
    held = kismayo.post("/participants", {**PERSON, "full_name": "Amina H. Warsame", "phone": "+252 61 999 9999"},
                        expect=202)
    assert held["status"] == "POSSIBLE_DUPLICATE"
    assert held["candidates"] == [{"participant_id": first, "matched_on": ["national_id"]}]
    [listed] = kismayo.get("/holds")
    assert listed["held_id"] == held["held_id"] and "personal" not in listed
    detail = kismayo.get(f"/holds/{held['held_id']}")
    assert detail["personal"]["full_name"] == "Amina H. Warsame"
    assert staff["baidoa"].get(f"/holds/{held['held_id']}", expect=403)["error"] == "FORBIDDEN"
    resolved = kismayo.post(f"/holds/{held['held_id']}/resolve", {"decision": "LINK", "participant_id": first},
                            expect=200)
    assert resolved["status"] == "LINKED" and kismayo.get("/holds") == []


def test_csv_import_over_http(staff):
    kismayo = staff["kismayo"]
    upload = kismayo.call("POST", "/participants/import")
    assert upload.status_code == 400  # an empty body is not a CSV file
    first = kismayo.call_raw("POST", "/participants/import", CSV.encode(), "text/csv", expect=200).json()
    assert first["counts"] == {"CREATED": 1, "REJECTED": 1}
    again = kismayo.call_raw("POST", "/participants/import", CSV.encode(), "text/csv", expect=200).json()
    assert again["counts"] == {"ALREADY_ENROLLED": 1, "REJECTED": 1}
    broken = kismayo.call_raw("POST", "/participants/import", b"name,phone\nx,y\n", "text/csv", expect=400).json()
    assert "missing columns" in broken["message"]


def test_consent_withdrawal_reaches_livelihoods_and_mentorship(staff):
    admin, kismayo = staff["admin"], staff["kismayo"]
    admin.post("/programmes", PROGRAMME, expect=201)
    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    admin.post("/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"], "trade": "tailoring",
                            "capacity": 2, "vetted": True}, expect=201)
    offer = eventually(lambda: (r := kismayo.call("POST", "/mentorship/matches", {"participant_id": pid})).ok
                       and r.json())
    history = kismayo.post(f"/participants/{pid}/consent/withdraw",
                           {"withdrawn_on": "2026-11-01", "reason": "moved to another region"}, expect=200)
    assert [h["kind"] for h in history] == ["GIVEN", "WITHDRAWN"]
    assert kismayo.post(f"/participants/{pid}/consent/withdraw", {"withdrawn_on": "2026-11-02", "reason": "again"},
                        expect=409)["error"] == "CONFLICT"

    def consent_condition():
        report = kismayo.get(f"/programmes/LG-2026/eligibility/{pid}")
        return [c["reason"] for c in report["conditions"] if c["condition"]["type"] == "consent_active"]

    assert eventually(lambda: consent_condition() == ["consent withdrawn"])
    assert eventually(lambda: kismayo.call("POST", "/mentorship/matches", {"participant_id": pid})
                      .json()["error"] == "NOT_ELIGIBLE")
    assert offer["status"] == "PROPOSED"

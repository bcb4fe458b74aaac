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

    return {"admin": admin, "kismayo": admin.new_user("officer-k", "officer", "Kismayo"),
            "baidoa": admin.new_user("officer-b", "officer", "Baidoa"), "supervisor": admin.new_user("super", "supervisor")}


def test_district_scope_and_roles(staff):
    kismayo, baidoa, supervisor = staff["kismayo"], staff["baidoa"], staff["supervisor"]
    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    assert baidoa.get(f"/participants/{pid}", expect=404)["error"] == "UNKNOWN_PARTICIPANT"  # as if unknown
    assert baidoa.post(f"/participants/{pid}/phase", {"to_phase": "WITHDRAWN"},
                       expect=404)["error"] == "UNKNOWN_PARTICIPANT"
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
    assert staff["baidoa"].get(f"/holds/{held['held_id']}", expect=404)["error"] == "NOT_FOUND"
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
    matching_round = eventually(lambda: (r := kismayo.call("POST", "/mentorship/rounds", {})).ok and r.json())
    history = kismayo.post(f"/participants/{pid}/consent/withdraw",
                           {"withdrawn_on": "2026-11-01", "reason": "moved to another region"}, expect=200)
    assert [h["kind"] for h in history] == ["GIVEN", "WITHDRAWN"]
    assert kismayo.post(f"/participants/{pid}/consent/withdraw", {"withdrawn_on": "2026-11-02", "reason": "again"},
                        expect=409)["error"] == "CONFLICT"

    def consent_condition():
        report = kismayo.get(f"/programmes/LG-2026/eligibility/{pid}")
        return [c["reason"] for c in report["conditions"] if c["condition"]["type"] == "consent_active"]

    assert eventually(lambda: consent_condition() == ["consent withdrawn"])
    assert eventually(lambda: kismayo.get(f"/mentorship/rounds/{matching_round['round_id']}")["matches"][0]
                      ["status"] == "WITHDRAWN")
    assert kismayo.post("/mentorship/rounds", {}, expect=409)["message"] == "nobody in Kismayo is waiting for a mentor"


def test_attendance_reaches_eligibility_before_completion_and_seats_move_up(staff):
    admin, kismayo = staff["admin"], staff["kismayo"]
    admin.post("/programmes", PROGRAMME, expect=201)
    admin.post("/courses", {"code": "FL-201", "track": "FINANCIAL_LITERACY", "title": "Money"}, expect=201)
    cohort = kismayo.post("/cohorts", {"course_code": "FL-201", "district": "Kismayo", "starts_on": "2026-09-07",
                                       "ends_on": "2026-10-30", "capacity": 1}, expect=201)["cohort_id"]
    first = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    second = kismayo.post("/participants", {**PERSON, "full_name": "Hodan Ali", "phone": "+252 61 222 3344",
                                            "national_id": "SO-2"}, expect=201)["participant_id"]
    assert kismayo.post(f"/cohorts/{cohort}/members", {"participant_id": first}, expect=201)["status"] == "ENROLLED"
    assert kismayo.post(f"/cohorts/{cohort}/members", {"participant_id": second},
                        expect=201)["status"] == "WAITLISTED"
    assert kismayo.post(f"/cohorts/{cohort}/attendance", {"session_date": "2026-09-08", "present": [second]},
                        expect=400)["error"] == "VALIDATION_ERROR"  # waitlisted: not in the room
    for day, mark in ((8, "present"), (9, "absent")):
        kismayo.post(f"/cohorts/{cohort}/attendance", {"session_date": f"2026-09-0{day}", mark: [first]},
                     expect=200)
    expected = f"attendance 50 % < 80 % in FINANCIAL_LITERACY cohort {cohort}"
    assert eventually(lambda: expected in [c["reason"] for c in kismayo.get(
        f"/programmes/LG-2026/eligibility/{first}")["conditions"]])
    [row] = kismayo.get(f"/participants/{first}/attendance")
    assert (row["sessions_held"], row["sessions_attended"], row["attendance_percent"]) == (2, 1, 50.0)
    baidoa = staff["baidoa"]  # another district's officer touches none of this cohort
    assert baidoa.post(f"/cohorts/{cohort}/attendance", {"session_date": "2026-09-10", "present": [first]},
                       expect=404)["error"] == "UNKNOWN_PARTICIPANT"
    assert baidoa.post(f"/cohorts/{cohort}/leave", {"participant_id": first},
                       expect=404)["error"] == "UNKNOWN_PARTICIPANT"
    assert baidoa.post("/cohorts", {"course_code": "FL-201", "district": "Kismayo", "starts_on": "2026-09-07",
                                    "ends_on": "2026-10-30", "capacity": 5}, expect=403)["error"] == "FORBIDDEN"
    [unchanged] = kismayo.get(f"/participants/{first}/attendance")
    assert unchanged["sessions_held"] == 2
    moved = kismayo.post(f"/cohorts/{cohort}/leave", {"participant_id": first}, expect=200)
    assert moved["promoted_from_waitlist"] == second

"""An officer's day in the browser: enroll someone, seat them and record a session's
attendance, then draft and submit a grant for an eligible participant."""
from tests.browser.seed import eligible_participant, staff
from tests.e2e.test_grant_path import PERSON, PROGRAMME

NEWCOMER = {"full_name": "Hodan Ali Yusuf", "phone": "+252 61 555 0202", "national_id": "SO-1990-111222",
            "date_of_birth": "1998-02-02"}


def test_officer_enrolls_records_attendance_and_submits_a_grant(suite, browse):
    admin = suite
    officer = staff(admin, "officer-k", "officer", "Kismayo")
    admin.post("/programmes", PROGRAMME, expect=201)
    eligible = eligible_participant(admin, officer)
    admin.post("/courses", {"code": "TVET-TAILOR", "track": "TVET:tailoring", "title": "Tailoring"}, expect=201)
    cohort = officer.post("/cohorts", {"course_code": "TVET-TAILOR", "district": "Kismayo", "starts_on": "2026-01-05",
                                       "ends_on": "2026-12-18", "capacity": 20}, expect=201)["cohort_id"]
    personal = [*NEWCOMER.values(), PERSON["full_name"], PERSON["phone"], PERSON["national_id"], "Hodan", "Amina"]

    seen = browse("officer_day", cohort=cohort, eligible=eligible, programme=PROGRAMME["code"], newcomer=NEWCOMER,
                  personal=personal)

    assert seen["landing"].endswith("/app/participants") and PERSON["full_name"] in seen["listed"]
    newcomer = seen["participant_id"]
    assert seen["enrolled"] == f"Enrolled as {newcomer}." and seen["participant_heading"].startswith("Hodan Ali Yusuf")
    assert officer.get(f"/participants/{newcomer}")["personal"]["national_id"] == NEWCOMER["national_id"]
    assert seen["seated"] == f"Seated in {cohort}."
    assert seen["attendance"] == "Attendance of 2026-09-14 recorded for 1 people."
    [seat] = officer.get(f"/participants/{newcomer}/attendance")
    assert (seat["cohort_id"], seat["sessions_attended"], seat["sessions_held"]) == (cohort, 1, 1)

    assert (seen["eligibility"], seen["conditions"]) == ("Eligible", len(PROGRAMME["conditions"]))
    assert seen["drafted"] == "Draft saved. Submit it when it is ready."
    assert seen["submitted"] == "Submitted for approval." and "Submitted" in seen["grant_heading"]
    grant = officer.get(f"/grants/{seen['application']}")
    assert (grant["status"], grant["participant_id"], grant["amount"]) == ("SUBMITTED", eligible, "350.00")
    assert [line["item"] for line in grant["business_plan"]["budget_lines"]] == ["sewing machine", "fabric"]
    assert seen["urls_with_personal_data"] == []

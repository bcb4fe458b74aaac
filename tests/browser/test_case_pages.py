"""An officer takes a case through the pages in Chromium — enrolls, resolves a look-alike,
seats, records attendance and completions, assesses and moves the case, drafts, revises and
submits a grant, records a follow-up visit, refers to a partner, runs a matching round — and
a supervisor reads the case file without personal data. Data before and after through the API."""
from datetime import date, timedelta

from tests.browser.seed import eligible_participant, funded, staff, submitted_grant
from tests.e2e.test_grant_path import PROGRAMME
from tests.support import eventually

NEWCOMER = {"full_name": "Hodan Ali Yusuf", "phone": "+252 61 555 0202", "national_id": "SO-1990-111222",
            "date_of_birth": "1998-02-02", "gender": "F", "clearance_reference": "NSC-2026-0999"}
LOOKALIKE = {**NEWCOMER, "full_name": "Hodan Cali Yuusuf", "national_id": "SO-1990-111999",
             "clearance_reference": "NSC-2026-1000"}
PARTNER = {"code": "KMFI", "name": "Kismayo Microfinance", "products": ["group loan"], "districts": ["Kismayo"],
           "eligibility_notes": "Adults with a business plan"}


def running_cohort(admin, officer, code: str, track: str) -> str:
    today = date.today()
    admin.post("/courses", {"code": code, "track": track, "title": f"{code} course"}, expect=201)
    return officer.post("/cohorts", {"course_code": code, "district": "Kismayo",
                                     "starts_on": str(today - timedelta(days=30)),
                                     "ends_on": str(today + timedelta(days=30)), "capacity": 20},
                        expect=201)["cohort_id"]


def test_an_officer_takes_a_case_through_the_pages_and_a_supervisor_reads_it(suite, browse):
    admin = suite
    officer, colleague = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-k2", "officer", "Kismayo")
    finance, supervisor = staff(admin, "money", "finance"), staff(admin, "supervisor", "supervisor")
    admin.post("/programmes", PROGRAMME, expect=201)
    admin.post("/partners", PARTNER, expect=201)
    admin.post("/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"], "trade": "tailoring",
                            "capacity": 3, "vetted": True}, expect=201)
    funded(finance)
    paying = submitted_grant(officer, eligible_participant(admin, officer), "350.00")
    colleague.post(f"/grants/{paying}/approve", expect=200)
    finance.post(f"/grants/{paying}/release", expect=202)
    eventually(lambda: finance.get(f"/grants/{paying}")["disbursements"][0]["status"] == "PAID")
    cohorts = [running_cohort(admin, officer, "FL-301", "FINANCIAL_LITERACY"),
               running_cohort(admin, officer, "BD-301", "BUSINESS_DEVELOPMENT")]

    seen = browse("officer_case", newcomer=NEWCOMER, lookalike=LOOKALIKE, cohorts=cohorts,
                  programme=PROGRAMME["code"], disbursing=paying)

    pid = seen["participant_id"]
    assert seen["enrolled"] == f"Enrolled as {pid}." and seen["held"].startswith("Held as a possible duplicate")
    assert LOOKALIKE["full_name"] in seen["hold_page"] and NEWCOMER["full_name"] in seen["hold_page"]
    assert seen["resolved"] == f"Linked to {pid}: no one new enrolled."
    assert officer.get("/holds") == []
    assert seen["seated"] == [f"Seated in {cohort}." for cohort in cohorts]
    assert all(text.endswith("recorded for 1 people.") for text in seen["attendance"])
    assert seen["completed"] == [f"Completion recorded in {cohort}: Passed." for cohort in cohorts]
    courses = officer.get(f"/participants/{pid}/attendance")
    assert sorted((c["cohort_id"], c["result"], c["sessions_attended"]) for c in courses) == sorted(
        (cohort, "PASS", 1) for cohort in cohorts)
    assert seen["assessed"] == "Assessment recorded."
    assert seen["moved"] == ["The case moved to Rehabilitation.", "The case moved to Exit assessment."]
    assert officer.get(f"/participants/{pid}")["phase"] == "EXIT_ASSESSMENT"

    assert seen["eligibility"] == "Eligible"
    assert seen["revised"] == "Revised. Submit it again when it is ready."
    assert seen["submitted"] == "Submitted for approval."
    grant = officer.get(f"/grants/{seen['application']}")
    assert (grant["status"], grant["participant_id"], grant["amount"]) == ("SUBMITTED", pid, "380.00")
    assert seen["followed_up"] == "Follow-up visit recorded."
    assert officer.get(f"/grants/{paying}")["history"][-1]["action"] == "FOLLOW_UP"

    assert seen["referred"] == "Referred to KMFI."
    referral = officer.get(f"/referrals/{seen['referral']}")
    assert (referral["participant_id"], referral["partner"], referral["product"]) == (pid, "KMFI", "group loan")
    assert pid in seen["letter"] and "Hodan" not in seen["letter"]
    assert seen["sent"] == "Every draft was sent to its mentor."
    offers = officer.get(f"/mentorship/rounds/{seen['round']}")["matches"]
    assert pid in {m["participant_id"] for m in offers} and {m["status"] for m in offers} == {"PROPOSED"}

    read = browse("supervisor_reads_case", participant_id=pid)
    assert read["status"] == 200 and pid in read["html"] and "Entry assessment" in read["html"]
    for personal in ("Hodan", "Yusuf", NEWCOMER["phone"], "555 0202", NEWCOMER["national_id"], "1998-02-02"):
        assert personal not in read["html"], personal

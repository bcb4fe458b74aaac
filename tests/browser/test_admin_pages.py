"""Admin and monitoring in the browser: an admin creates an account, a programme with an
allowance (its form refused once and shown again as typed), a course and a cohort from the
forms and finds them, the refusal too, in the filtered audit trail; monitoring filters the
figures by period and district, sees small counts suppressed and downloads the same figures
as CSV. What was made is read back through the API."""
import csv
import io
import re
from datetime import date, timedelta

from tests.browser.seed import staff
from tests.e2e.test_admin_pages import signs_in
from tests.e2e.test_figures_filters import HEADER, people

ACCOUNT = {"username": "officer-n", "role": "officer", "district": "Kismayo", "password": "a long enough password"}
PROGRAMME = {"code": "LG-2027", "name": "Start-up grants 2027", "donor": "MDTF", "grant_amount": "500.00",
             "budget": "20000.00", "tranches": "60, 40", "supervisor_threshold": "400.00",
             "allowance_amount": "50.00", "allowance_months": "6", "tracks": ["FINANCIAL_LITERACY"],
             "phases": ["EXIT_ASSESSMENT"], "conditions": ["consent_active"]}
COURSE = {"code": "FL-900", "title": "Money basics", "track": "FINANCIAL_LITERACY"}


def test_an_admin_sets_up_accounts_programmes_and_cohorts_and_reads_the_trail(suite, browse):
    staff(suite, "admin-web", "admin")
    starts = date.today() + timedelta(days=7)
    cohort = {"district": "Kismayo", "starts_on": starts.isoformat(),
              "ends_on": (starts + timedelta(days=60)).isoformat(), "capacity": "12"}

    seen = browse("admin_day", account=ACCOUNT, programme=PROGRAMME, course=COURSE, cohort=cohort)

    assert seen["landing"].endswith("/app/figures")
    assert seen["account"] == "Account officer-n created as officer." and "officer-n" in seen["accounts"]
    made = next(u for u in suite.get("/users") if u["username"] == "officer-n")
    assert (made["role"], made["district"], made["active"]) == ("officer", "Kismayo", True)
    assert signs_in(suite.base_url, "officer-n", ACCOUNT["password"]) == 200

    assert seen["programme_refused"] == {"problem": "The tranches must add up to 100 per cent.", "code": "LG-2027",
                                         "ticked": ["FINANCIAL_LITERACY", "EXIT_ASSESSMENT", "consent_active", "yes",
                                                    "AFTERCARE"]}
    assert seen["programme"] == "Programme LG-2027 created." and "LG-2027" in seen["programmes"]
    programme = next(p for p in suite.get("/programmes") if p["code"] == "LG-2027")
    assert (programme["allowance"]["amount"], programme["allowance"]["months"], programme["allowance"]["phases"]) == (
        "50.00", 6, ["AFTERCARE"])
    assert programme["tranches"] == [{"percent": 60, "conditions": []},
                                     {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}]
    assert [(t["max_amount"], t["approvers"]) for t in programme["approval_tiers"]] == [
        ("400.00", ["officer"]), (None, ["officer", "supervisor"])]
    assert programme["conditions"] == [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                                       {"type": "phase_in", "phases": ["EXIT_ASSESSMENT"]},
                                       {"type": "consent_active"}]

    assert seen["course"] == "Course FL-900 added."
    opened = re.fullmatch(r"Cohort (\S+) of FL-900 opened in Kismayo\.", seen["cohort"])
    assert opened and opened.group(1) in seen["cohorts"] and "0 / 12" in seen["cohorts"]

    assert "username=admin-web" in seen["audit_address"]
    assert seen["audit_caption"] == "5 events, newest first"
    assert seen["audit"] == [["POST /app/admin/cohorts", "303"], ["POST /app/admin/courses", "303"],
                             ["POST /app/admin/programmes", "303"],
                             ["POST /app/admin/programmes", "400 VALIDATION_ERROR"], ["POST /app/admin/users", "303"]]


def test_monitoring_filters_the_figures_and_downloads_them_suppressed(suite, browse):
    officer = suite.new_user("officer-all", "officer")  # no district: imports anyone's
    rows = HEADER + people("Kismayo", "F", 3, 0) + people("Kismayo", "M", 6, 10) + people("Baidoa", "M", 8, 40)
    report = officer.call_raw("POST", "/participants/import", rows.encode(), "text/csv", 200).json()
    assert report["counts"] == {"CREATED": 17}, report
    staff(suite, "monitoring", "monitoring")
    month = date.today().strftime("%Y-%m")

    seen = browse("monitoring_filters", first_month=month, last_month=month, district="Kismayo")

    assert "Baidoa" in seen["everyone"]
    assert f"first_month={month}" in seen["address"] and "district=Kismayo" in seen["address"]
    assert seen["figures"][0] == "9 enrolled"
    assert seen["enrolled"] == [["Kismayo", "Woman", "<5"], ["Kismayo", "Man", "*"]]  # 9 − 6 would give the 3 back
    assert seen["csv_name"] == "figures.csv"
    exported = list(csv.DictReader(io.StringIO(seen["csv"])))
    assert {(r["district"], r["gender"]): r["value"] for r in exported if r["figure"] == "enrolled"} == {
        ("Kismayo", "F"): "<5", ("Kismayo", "M"): "*"}
    assert not any(r["district"] == "Baidoa" for r in exported)

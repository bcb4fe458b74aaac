"""The admin's pages over HTTP against the running suite, posted as a browser posts them:
accounts (created with a role for good, district changed, password reset, deactivated and
back), a programme built from the form and read back through the API, a partner whose
secret is shown once, courses and cohorts, the audit trail's filters; another role gets the
403 page and a refused form comes back with what was typed and words beside the fields."""
import re
from datetime import date, timedelta

import pytest

from tests.e2e.test_case_pages import Desk
from tests.support import Api

PASSWORD = "a long enough password"


def signs_in(base_url: str, username: str, password: str) -> int:
    return Api(base_url).call("POST", "/auth/sign-in", {"username": username, "password": password}).status_code


@pytest.fixture
def admin(suite):
    return Desk(suite)


def test_accounts_are_made_changed_reset_and_deactivated_but_never_change_role(admin, suite):
    assert admin.get("/app/admin/users").status_code == 200
    _, said = admin.done("/app/admin/users", {"form": "create", "username": "officer-n", "role": "officer",
                                              "district": "Kismayo", "password": PASSWORD})
    assert said == "Account officer-n created as officer."
    made = next(u for u in suite.get("/users") if u["username"] == "officer-n")
    assert (made["role"], made["district"], made["has_password"], made["active"]) == ("officer", "Kismayo", True, True)
    assert signs_in(suite.base_url, "officer-n", PASSWORD) == 200

    admin.done("/app/admin/users/district", {"username": "officer-n", "district": "Baidoa", "role": "admin"})
    admin.done("/app/admin/users/password", {"username": "officer-n", "password": "another long password"})
    changed = next(u for u in suite.get("/users") if u["username"] == "officer-n")
    assert (changed["role"], changed["district"]) == ("officer", "Baidoa")
    assert signs_in(suite.base_url, "officer-n", PASSWORD) == 401
    assert signs_in(suite.base_url, "officer-n", "another long password") == 200
    _, said = admin.done("/app/admin/users/active", {"username": "officer-n", "active": "no"})
    assert said == "officer-n can no longer sign in." and signs_in(suite.base_url, "officer-n", "another long password") == 401
    admin.done("/app/admin/users/active", {"username": "officer-n", "active": "yes"})
    assert signs_in(suite.base_url, "officer-n", "another long password") == 200
    mentor = admin.done("/app/admin/users", {"form": "create", "username": "mentor-n", "role": "mentor",
                                             "mentor_id": "M-7K3M9Q", "password": PASSWORD})
    assert mentor[1] == "Account mentor-n created as mentor."


def test_a_refused_account_keeps_what_was_typed_but_the_password(admin, suite):
    refused = admin.post("/app/admin/users", {"form": "create", "username": "Bad Name!", "role": "officer",
                                              "district": "Kismayo", "password": "short"})
    assert refused.status_code == 400
    assert 'value="Bad Name!"' in refused.text and 'value="Kismayo"' in refused.text and "short" not in refused.text
    assert "Enter at least 12 characters." in refused.text and 'aria-invalid="true"' in refused.text
    no_mentor_id = admin.post("/app/admin/users", {"form": "create", "username": "mentor-x", "role": "mentor",
                                                   "password": PASSWORD})
    assert no_mentor_id.status_code == 400 and "mentor_id is required for a mentor" in no_mentor_id.text
    assert 'value="mentor-x"' in no_mentor_id.text
    assert {u["username"] for u in suite.get("/users")} & {"mentor-x", "Bad Name!"} == set()


def test_a_programme_built_from_the_form_reads_back_through_the_api(admin, suite):
    form = {"form": "programme", "code": "LG-2027", "name": "Start-up grants 2027", "donor": "MDTF",
            "currency": "USD", "grant_amount": "500.00", "budget": "20000.00", "starts_on": date.today().isoformat(),
            "tracks": ["FINANCIAL_LITERACY", "BUSINESS_DEVELOPMENT"], "min_attendance": "80",
            "phases": ["EXIT_ASSESSMENT", "AFTERCARE"], "conditions": ["consent_active", "no_earlier_grant"],
            "tranches": "60, 40", "follow_up": "yes", "supervisor_threshold": "400.00",
            "allowance_amount": "50.00", "allowance_months": "6", "allowance_phases": ["AFTERCARE"]}
    _, said = admin.done("/app/admin/programmes", form)
    assert said == "Programme LG-2027 created."
    made = next(p for p in suite.get("/programmes") if p["code"] == "LG-2027")
    assert made["conditions"] == [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                                  {"type": "completed_track", "track": "BUSINESS_DEVELOPMENT"},
                                  {"type": "min_attendance", "percent": 80},
                                  {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
                                  {"type": "consent_active"}, {"type": "no_earlier_grant"}]
    assert made["tranches"] == [{"percent": 60, "conditions": []},
                                {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}]
    assert [(t["max_amount"], t["approvers"]) for t in made["approval_tiers"]] == [
        ("400.00", ["officer"]), (None, ["officer", "supervisor"])]
    assert (made["allowance"]["amount"], made["allowance"]["months"], made["allowance"]["phases"]) == (
        "50.00", 6, ["AFTERCARE"])
    listed = admin.get("/app/admin/programmes").text
    assert "LG-2027" in listed and "Has completed a Financial literacy course" in listed

    refused = admin.post("/app/admin/programmes", {**form, "code": "LG-2028", "tranches": "70, 40"})
    assert refused.status_code == 400 and "The tranches must add up to 100 per cent." in refused.text
    assert 'value="LG-2028"' in refused.text and 'value="70, 40"' in refused.text
    assert "LG-2028" not in {p["code"] for p in suite.get("/programmes")}


def test_a_partner_secret_is_shown_once_and_its_token_never(admin, suite):
    form = {"form": "partner", "code": "KMFI", "name": "Kismayo Microfinance", "products": "group loan\nsavings",
            "districts": "Kismayo, Baidoa", "api_url": "https://partner.example/referrals",
            "api_token": "token-never-shown-1"}
    made = admin.post("/app/admin/partners", form)
    assert made.status_code == 200 and "token-never-shown-1" not in made.text
    secret = re.search(r'<code class="id">([^<]+)</code>', made.text).group(1)
    assert len(secret) >= 16 and secret not in admin.get("/app/admin/partners").text
    partner = next(p for p in suite.get("/partners") if p["code"] == "KMFI")
    assert (partner["products"], partner["districts"], partner["has_api_token"]) == (
        ["group loan", "savings"], ["Kismayo", "Baidoa"], True)
    refused = admin.post("/app/admin/partners", {**form, "code": "BADURL", "api_url": "ftp://partner.example"})
    assert refused.status_code == 400 and 'value="BADURL"' in refused.text
    assert "token-never-shown-1" not in refused.text and "must be an http(s) URL" in refused.text


def test_courses_and_cohorts(admin, suite):
    admin.done("/app/admin/courses", {"form": "course", "code": "FL-900", "title": "Money basics",
                                      "track": "FINANCIAL_LITERACY"})
    admin.done("/app/admin/courses", {"form": "course", "code": "TV-900", "title": "Tailoring",
                                      "track": "TVET", "trade": "tailoring"})
    starts = date.today() + timedelta(days=7)
    _, said = admin.done("/app/admin/cohorts", {"form": "cohort", "course_code": "TV-900", "district": "Kismayo",
                                                "starts_on": starts.isoformat(),
                                                "ends_on": (starts + timedelta(days=60)).isoformat(), "capacity": "12"})
    cohort = re.match(r"Cohort (\S+) of TV-900 opened in Kismayo\.", said).group(1)
    page = admin.get("/app/admin/courses").text
    assert "Money basics" in page and "Vocational training: tailoring" in page and cohort in page and "0 / 12" in page
    refused = admin.post("/app/admin/cohorts", {"form": "cohort", "course_code": "TV-900", "district": "Baidoa",
                                                "starts_on": starts.isoformat(),
                                                "ends_on": (starts - timedelta(days=1)).isoformat(), "capacity": "0"})
    assert refused.status_code == 400 and 'value="Baidoa"' in refused.text and "Enter a number above 0." in refused.text
    bad_trade = admin.post("/app/admin/courses", {"form": "course", "code": "TV-901", "title": "Wiring",
                                                  "track": "TVET", "trade": "1"})
    assert bad_trade.status_code == 400 and 'id="problem-trade"' in bad_trade.text


def test_the_audit_trail_filters_and_pages(admin, suite):
    for n in range(3):
        admin.done("/app/admin/courses", {"form": "course", "code": f"CV-90{n}", "title": "Civic",
                                          "track": "CIVIC_EDUCATION"})
    today = date.today().isoformat()
    mine = admin.get(f"/app/admin/audit?action=POST+/app/admin/courses&since={today}&until={today}").text
    assert mine.count("<td>POST /app/admin/courses</td>") == 3 and "3 events, newest first" in mine
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "No event matches" in admin.get(f"/app/admin/audit?since={tomorrow}").text
    assert "No event matches" in admin.get("/app/admin/audit?username=nobody-here").text
    first, beyond = admin.get("/app/admin/audit").text, admin.get("/app/admin/audit?page=2").text
    assert "page=2" not in first and "POST /app/admin/courses" in first  # fewer than a page of 50
    assert "No event matches" in beyond and "page=1" in beyond


def test_other_roles_get_the_403_page_and_change_nothing(suite):
    officer = Desk(suite.new_user("officer-z", "officer", "Kismayo"))
    for path in ("/app/admin/users", "/app/admin/programmes", "/app/admin/partners", "/app/admin/courses",
                 "/app/admin/audit"):
        answer = officer.get(path)
        assert answer.status_code == 403 and "This is not open to you" in answer.text, path
    posted = officer.post("/app/admin/users", {"username": "sneaky", "role": "admin", "password": PASSWORD})
    assert posted.status_code == 403 and "sneaky" not in {u["username"] for u in suite.get("/users")}

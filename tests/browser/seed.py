"""Data the browser tests start from, made through the HTTP API as the e2e tests do."""
from tests.browser.browser import PASSWORD
from tests.e2e.test_grant_path import ENTRY_ASSESSMENT, PERSON, PLAN, PROGRAMME, take_course
from tests.support import eventually

FUNDING = {"amount": "5000.00", "currency": "USD", "reference": "MDTF-WEB-1", "received_on": "2026-11-02"}


def staff(admin, username: str, role: str, district: str | None = None, **extra):
    """An account with a password (to sign in in the browser) and an API client for it."""
    return admin.new_user(username, role, district, password=PASSWORD, **extra)


def eligible_participant(admin, officer, person: dict = PERSON) -> str:
    """A participant who meets every condition of PROGRAMME (which must exist)."""
    pid = officer.post("/participants", person, expect=201)["participant_id"]
    suffix = pid[-4:]
    take_course(officer, admin, pid, f"FL-{suffix}", "FINANCIAL_LITERACY", present_sessions=5)
    take_course(officer, admin, pid, f"BD-{suffix}", "BUSINESS_DEVELOPMENT", present_sessions=5)
    officer.post(f"/participants/{pid}/assessments", ENTRY_ASSESSMENT, expect=201)
    for phase in ("REHABILITATION", "EXIT_ASSESSMENT"):
        officer.post(f"/participants/{pid}/phase", {"to_phase": phase}, expect=200)
    eventually(lambda: officer.get(f"/programmes/{PROGRAMME['code']}/eligibility/{pid}")["eligible"])
    return pid


def submitted_grant(officer, pid: str, amount: str) -> str:
    grant = officer.post("/grants", {"programme": PROGRAMME["code"], "participant_id": pid, "amount": amount,
                                     "currency": "USD", "business_plan": PLAN}, expect=201)
    officer.post(f"/grants/{grant['application_id']}/submit", expect=200)
    return grant["application_id"]


def funded(finance) -> None:
    eventually(lambda: finance.call("POST", f"/programmes/{PROGRAMME['code']}/funding", FUNDING).status_code == 201)
    eventually(lambda: finance.get(f"/programmes/{PROGRAMME['code']}/budget")["available"] == FUNDING["amount"])

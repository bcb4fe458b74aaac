"""The demo dataset `make run` loads once, through the public API like a real office would.

The logins (role, a first bearer token, a random password for the web sign-in) are kept in
`<DATA_DIR>/demo-logins.json` (readable by its owner only); its presence means the demo is
already loaded.
"""
import json
import secrets
import time
from pathlib import Path

import requests
from rich.progress import Progress

from services.gateway.accounts import CreateUser, create_user_in

PROGRAMME = {"code": "LG-2026", "name": "Livelihood start-up grants 2026", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "100000.00",
             "tranches": [{"percent": 60}, {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}],
             "approval_tiers": [{"max_amount": "400.00", "approvers": ["officer"]},
                                {"max_amount": None, "approvers": ["officer", "supervisor"]}],
             "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                            {"type": "completed_track", "track": "BUSINESS_DEVELOPMENT"},
                            {"type": "min_attendance", "percent": 80},
                            {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
                            {"type": "consent_active"}, {"type": "no_earlier_grant"}]}
COURSES = [("FL-101", "FINANCIAL_LITERACY", "Managing money"), ("BD-101", "BUSINESS_DEVELOPMENT", "Start a business")]
PEOPLE = [("Demo Person One", "+252 61 000 0001", "DEMO-0001", "1998-01-01", "F", "tailoring"),
          ("Demo Person Two", "+252 61 000 0002", "DEMO-0002", "1997-02-02", "M", "mobile repair"),
          ("Demo Person Three", "+252 61 000 0003", "DEMO-0003", "2000-03-03", "F", "livestock")]
STAFF = [("officer-a", "officer", "Kismayo"), ("officer-b", "officer", "Kismayo"),
         ("supervisor", "supervisor", None), ("finance", "finance", None), ("monitoring", "monitoring", None)]


class Client:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def __call__(self, method: str, path: str, body=None) -> dict:
        response = requests.request(method, self.url + path, json=body, timeout=30,
                                    headers={"Authorization": f"Bearer {self.token}"})
        if not response.ok:
            raise RuntimeError(f"demo seed: {method} {path} answered {response.status_code}: {response.text}")
        return response.json()


def _wait_until_eligible(officer: Client, participant_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not officer("GET", f"/programmes/LG-2026/eligibility/{participant_id}")["eligible"]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo seed: {participant_id} did not become eligible")
        time.sleep(0.3)


def _make_eligible(officer: Client, participant_id: str, cohorts: list[str]) -> None:
    for cohort in cohorts:
        officer("POST", f"/cohorts/{cohort}/members", {"participant_id": participant_id})
        officer("POST", f"/cohorts/{cohort}/attendance", {"session_date": "2026-09-08", "present": [participant_id]})
        officer("POST", f"/cohorts/{cohort}/completions", {"participant_id": participant_id, "result": "PASS",
                                                           "score": "81", "completed_on": "2026-10-30"})
    officer("POST", f"/participants/{participant_id}/assessments", {
        "kind": "ENTRY", "assessed_on": "2026-09-02", "needs": ["income", "literacy"],
        "risk_factors": {"peer pressure": 2}, "protective_factors": {"family support": 3},
        "livelihood_plan": "Learn tailoring, then open a market stall"})
    for phase in ("REHABILITATION", "EXIT_ASSESSMENT"):
        officer("POST", f"/participants/{participant_id}/phase", {"to_phase": phase})
    _wait_until_eligible(officer, participant_id)


def seed(config: dict, url: str) -> dict:
    passwords = {name: secrets.token_urlsafe(12) for name in ("admin", "mentor", *(s[0] for s in STAFF))}
    admin_token = create_user_in(config["DATABASES"]["gateway"], CreateUser(
        username="admin", role="admin", password=passwords["admin"]))
    admin = Client(url, admin_token)
    logins = {"admin": ("admin", admin_token, passwords["admin"])}
    with Progress() as progress:
        task = progress.add_task("Loading the demo dataset", total=6)
        for username, role, district in STAFF:
            logins[username] = (role, admin("POST", "/users", {"username": username, "role": role, "district": district,
                                                               "password": passwords[username]})["token"],
                                passwords[username])
        officer_a = Client(url, logins["officer-a"][1])
        progress.advance(task)
        admin("POST", "/programmes", PROGRAMME)
        cohorts = []
        for code, track, title in COURSES:
            admin("POST", "/courses", {"code": code, "track": track, "title": title})
            cohorts.append(officer_a("POST", "/cohorts", {"course_code": code, "district": "Kismayo",
                                                          "starts_on": "2026-09-07", "ends_on": "2026-10-30",
                                                          "capacity": 25})["cohort_id"])
        progress.advance(task)
        ids = [officer_a("POST", "/participants", {
            "full_name": name, "phone": phone, "national_id": national_id, "date_of_birth": born,
            "gender": gender, "district": "Kismayo", "languages": ["so"], "livelihood_interest": trade,
            "clearance_reference": f"NSC-DEMO-{index}", "consent": {"given_on": "2026-09-01"}})["participant_id"]
            for index, (name, phone, national_id, born, gender, trade) in enumerate(PEOPLE, start=1)]
        officer_a("POST", "/participants", {  # shares a phone with Demo Person Two: held for an officer
            "full_name": "Demo Person Four", "phone": "+252 61 000 0002", "national_id": "DEMO-0004",
            "date_of_birth": "1995-04-04", "gender": "M", "district": "Kismayo", "languages": ["so"],
            "livelihood_interest": "fishing", "clearance_reference": "NSC-DEMO-4",
            "consent": {"given_on": "2026-09-01"}})
        progress.advance(task)
        _make_eligible(officer_a, ids[0], cohorts)
        progress.advance(task)
        grant = officer_a("POST", "/grants", {"programme": "LG-2026", "participant_id": ids[0], "amount": "350.00",
                                              "currency": "USD", "business_plan": {
                                                  "summary": "A tailoring stall in the market", "trade": "tailoring",
                                                  "budget_lines": [{"item": "sewing machine", "amount": "300.00"},
                                                                   {"item": "fabric", "amount": "50.00"}]}})
        officer_a("POST", f"/grants/{grant['application_id']}/submit", {})
        progress.advance(task)
        mentor = admin("POST", "/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"],
                                            "trade": "tailoring", "capacity": 3, "vetted": True})
        logins["mentor"] = ("mentor", admin("POST", "/users", {"username": "mentor", "role": "mentor",
                                                               "mentor_id": mentor["mentor_id"],
                                                               "password": passwords["mentor"]})["token"],
                            passwords["mentor"])
        matching_round = officer_a("POST", "/mentorship/rounds", {})
        officer_a("POST", f"/mentorship/rounds/{matching_round['round_id']}/send", {})
        progress.advance(task)
    return logins


def seed_once(config: dict, url: str) -> dict:
    marker = Path(config["DATA_DIR"]) / "demo-logins.json"
    if marker.exists():
        return {name: tuple(value) for name, value in json.loads(marker.read_text()).items()}
    logins = seed(config, url)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch(mode=0o600)
    marker.write_text(json.dumps(logins, indent=2))
    return logins

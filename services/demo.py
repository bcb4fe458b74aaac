"""The demo dataset `make run` (and `ddrr seed`) loads once, through the public API like a
real office would: people in every phase, cohorts finished and running, grants in every
state (some paid through the simulated provider), an allowance cycle ready to release, a
statement of the rail to reconcile, mentors with offers and a duplicate to resolve. Dates
are counted back from today, so the demo looks the same whenever it is loaded.

The logins (role, a first bearer token, a random password for the web sign-in) are kept in
`<DATA_DIR>/demo-logins.json` (readable by its owner only), written last: its presence means
the demo is loaded, so a second `ddrr seed` changes nothing.
"""
import json
import secrets
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import requests
from rich.progress import Progress

from services.demo_data import (ALLOWANCE, BANK, COURSES, FLOAT_TOP_UP, FUNDING, GRANTS, LOOKALIKE, MENTORS,
                                PEOPLE, PLAN, STAFF, Person)
from services.gateway.accounts import CreateUser, create_user_in

ROUTE = {"REHABILITATION": "ENTRY_ASSESSMENT", "EXIT_ASSESSMENT": "REHABILITATION", "AFTERCARE": "EXIT_ASSESSMENT",
         "CLOSED": "AFTERCARE"}
ALLOWANCE_DUE = ("AFTERCARE", "CLOSED")  # a case closed this month is paid for the part it was in aftercare
ASSESSED_BEFORE_LEAVING = {"ENTRY_ASSESSMENT": "ENTRY", "EXIT_ASSESSMENT": "EXIT"}
WAIT_SECONDS = 90  # a fresh suite's first payments wait for the provider to come up and call back
RELEASES_PER_TRANCHE = 5


class Client:
    """One account's bearer token against the gateway; any refusal stops the seeding."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def __call__(self, method: str, path: str, body=None, csv: bytes | None = None):
        headers = {"Authorization": f"Bearer {self.token}"}
        if csv is not None:
            headers["Content-Type"] = "text/csv"
        response = requests.request(method, self.url + path, json=body, data=csv, timeout=30, headers=headers)
        if not response.ok:
            raise RuntimeError(f"demo seed: {method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json()


def until(check, what: str):
    """Poll `check` (events travel asynchronously) until it answers something truthy."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (answer := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo seed: {what} did not happen within {WAIT_SECONDS} s")
        time.sleep(0.2)
    return answer


class Office:
    """The demo's accounts and what they made, filled in step by step by `seed`."""

    def __init__(self, url: str, admin: Client, logins: dict, today: date):
        self.url, self.admin, self.logins, self.today = url, admin, logins, today
        self.ids: dict[Person, str] = {}

    def client(self, username: str) -> Client:
        return Client(self.url, self.logins[username][1])

    def day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()


def staff(office: Office, passwords: dict) -> None:
    for username, role, district in STAFF:
        made = office.admin("POST", "/users", {"username": username, "role": role, "district": district,
                                               "password": passwords[username]})
        office.logins[username] = (role, made["token"], passwords[username])


def courses(office: Office) -> dict[str, str]:
    """A cohort per course: the grant's courses finished last quarter, tailoring running now."""
    officer, cohorts = office.client("officer-a"), {}
    for code, track, title, finished in COURSES:
        office.admin("POST", "/courses", {"code": code, "track": track, "title": title})
        starts, ends = (office.day(120), office.day(45)) if finished else (office.day(20), office.day(-70))
        cohorts[code] = officer("POST", "/cohorts", {"course_code": code, "district": "Kismayo", "starts_on": starts,
                                                     "ends_on": ends, "capacity": 25})["cohort_id"]
    return cohorts


def enroll(office: Office) -> None:
    officer = office.client("officer-a")
    for number, person in enumerate(PEOPLE, start=1):
        office.ids[person] = officer("POST", "/participants",
                                     person.enrollment(office.day(150), number))["participant_id"]
    officer("POST", "/participants", LOOKALIKE.enrollment(office.day(10), 99))


def coursework(office: Office, cohorts: dict[str, str]) -> None:
    """The grant's courses passed by everyone who applies for a grant; tailoring under way."""
    officer = office.client("officer-a")
    applicants = [office.ids[p] for p in PEOPLE if p.grant]
    for code in ("FL-101", "BD-101"):
        for pid in applicants:
            officer("POST", f"/cohorts/{cohorts[code]}/members", {"participant_id": pid})
        for days_ago in (110, 100):
            officer("POST", f"/cohorts/{cohorts[code]}/attendance", {"session_date": office.day(days_ago),
                                                                     "present": applicants})
        for pid in applicants:
            officer("POST", f"/cohorts/{cohorts[code]}/completions", {
                "participant_id": pid, "result": "PASS", "score": "81", "completed_on": office.day(45)})
    learners = [office.ids[p] for p in PEOPLE if p.phase in ("ENTRY_ASSESSMENT", "REHABILITATION")]
    for pid in learners:
        officer("POST", f"/cohorts/{cohorts['TVET-TAILOR']}/members", {"participant_id": pid})
    for days_ago, present in ((13, learners), (6, learners[:1])):
        officer("POST", f"/cohorts/{cohorts['TVET-TAILOR']}/attendance", {
            "session_date": office.day(days_ago), "present": present,
            "absent": [pid for pid in learners if pid not in present]})


def assessment(kind: str, on: str) -> dict:
    return {"kind": kind, "assessed_on": on, "needs": ["income", "literacy"], "risk_factors": {"peer pressure": 1},
            "protective_factors": {"family support": 3}, "livelihood_plan": "Learn a trade, then open a market stall"}


def phases(office: Office) -> None:
    """Everyone moved to their phase the way an officer does it, assessments on the way."""
    officer = office.client("officer-a")
    for person in PEOPLE:
        pid, target = office.ids[person], person.phase
        if target == "WITHDRAWN":
            officer("POST", f"/participants/{pid}/consent/withdraw", {"withdrawn_on": office.day(20),
                                                                     "reason": "moved away with her family"})
            officer("POST", f"/participants/{pid}/phase", {"to_phase": "WITHDRAWN"})
            continue
        path = [target]
        while path[0] in ROUTE:
            path.insert(0, ROUTE[path[0]])
        for leaving, entering in zip(path, path[1:]):
            if leaving in ASSESSED_BEFORE_LEAVING:
                officer("POST", f"/participants/{pid}/assessments",
                        assessment(ASSESSED_BEFORE_LEAVING[leaving], office.day(90 if leaving == "ENTRY_ASSESSMENT"
                                                                               else 30)))
            officer("POST", f"/participants/{pid}/phase", {"to_phase": entering})


def money(office: Office) -> None:
    """Donor funding for both programmes and the rail's float topped up from the donor's bank."""
    finance = office.client("finance-2")
    for code, amount in FUNDING.items():
        funding = {"amount": amount, "currency": "USD", "reference": f"{code}-FUNDING-1",
                   "received_on": office.day(30)}
        until(lambda: _funded(finance, code, funding), f"funding of {code}")
        until(lambda: finance("GET", f"/programmes/{code}/budget")["available"] == amount, f"{code}'s budget")
    finance("POST", "/ledger/float-transfers", {"direction": "TOP_UP", "bank_account": BANK, "amount": FLOAT_TOP_UP,
                                                "currency": "USD", "reference": "FLOAT-TOP-UP-1",
                                                "day": office.day(0)})


def _funded(finance: Client, code: str, funding: dict) -> bool:
    """Funding is refused until the ledger has opened the programme's accounts."""
    answer = requests.post(f"{finance.url}/programmes/{code}/funding", json=funding, timeout=30,
                           headers={"Authorization": f"Bearer {finance.token}"})
    return answer.status_code in (200, 201)


def payment_accounts(office: Office) -> None:
    """A verified mobile-money account for everyone the demo pays (a number the provider's name
    check does not confirm is replaced by the next one)."""
    officer = office.client("officer-a")
    paid = [p for p in PEOPLE if p.grant in ("APPROVED", "DISBURSING", "DISBURSED") or p.phase in ALLOWANCE_DUE]
    for number, person in enumerate(paid):
        pid = office.ids[person]
        for attempt in range(10):
            msisdn = f"+252 61 800 {number:02d}{attempt:02d}"
            officer("PUT", f"/participants/{pid}/payment-account",
                    {"kind": "MOBILE_MONEY", "msisdn": msisdn, "provider": "SIMMOBILE"})
            if officer("POST", f"/participants/{pid}/payment-account/verify", {})["account"]["verification"] == "VERIFIED":
                break


def grants(office: Office) -> None:
    """Every state of an application: officer-a makes them, officer-b decides, finance-2 pays."""
    maker, checker, finance = office.client("officer-a"), office.client("officer-b"), office.client("finance-2")
    for person in (p for p in PEOPLE if p.grant):
        pid = office.ids[person]
        until(lambda: maker("GET", f"/programmes/{GRANTS['code']}/eligibility/{pid}")["eligible"],
              f"eligibility of {pid}")
        gid = maker("POST", "/grants", {"programme": GRANTS["code"], "participant_id": pid, "amount": person.amount,
                                        "currency": "USD", "business_plan": {**PLAN, "trade": person.trade}}
                    )["application_id"]
        if person.grant == "DRAFT":
            continue
        maker("POST", f"/grants/{gid}/submit", {})
        if person.grant == "RETURNED":
            checker("POST", f"/grants/{gid}/return", {"reason": "Add a quote for the tools to the budget"})
        elif person.grant == "REJECTED":
            checker("POST", f"/grants/{gid}/reject", {"reason": "The plan duplicates a grant from another donor"})
        elif person.grant != "SUBMITTED":
            checker("POST", f"/grants/{gid}/approve", {})
        if person.grant in ("DISBURSING", "DISBURSED"):
            _pay_tranche(finance, gid, 1)
        if person.grant == "DISBURSED":
            maker("POST", f"/grants/{gid}/follow-up", {"visited_on": office.day(1), "business_operating": True,
                                                       "note": "The stall is open; customers seen"})
            _pay_tranche(finance, gid, 2)


def _pay_tranche(finance: Client, gid: str, tranche: int) -> None:
    """Release a tranche until it is paid: the simulated provider fails a share of payments
    (`PROVIDER.failure_rate`), and finance releases a failed tranche again, as a new attempt."""
    for attempt in range(1, RELEASES_PER_TRANCHE + 1):
        finance("POST", f"/grants/{gid}/release", {})
        settled = until(lambda: [d["status"] for d in finance("GET", f"/grants/{gid}")["disbursements"]
                                 if d["tranche"] == tranche and d["attempt"] == attempt
                                 and d["status"] in ("PAID", "FAILED")], f"tranche {tranche} of {gid} settled")
        if settled == ["PAID"]:
            return
    raise RuntimeError(f"demo seed: tranche {tranche} of {gid} failed {RELEASES_PER_TRANCHE} times at the provider")


def mentors(office: Office, passwords: dict) -> None:
    """Two community mentors; a round matched and sent, so each has offers to answer."""
    registered = [office.admin("POST", "/mentors", mentor)["mentor_id"] for mentor in MENTORS]
    made = office.admin("POST", "/users", {"username": "mentor", "role": "mentor", "mentor_id": registered[0],
                                           "password": passwords["mentor"]})
    office.logins["mentor"] = ("mentor", made["token"], passwords["mentor"])
    officer = office.client("officer-a")
    matching_round = officer("POST", "/mentorship/rounds", {})
    officer("POST", f"/mentorship/rounds/{matching_round['round_id']}/send", {})


def allowance_cycle(office: Office) -> None:
    """This month's allowances prepared by finance-2, for finance to release."""
    office.client("finance-2")("POST", "/allowances/cycles", {"programme": ALLOWANCE["code"],
                                                              "month": office.today.strftime("%Y-%m")})


def statement(office: Office, config: dict) -> None:
    """Today's statement of the rail's float, as the provider exports it, imported by finance-2
    for finance to reconcile (the top-up and other strangers to resolve, fees posted)."""
    rail = config["LEDGER"]["rail"]["provider_url"].rstrip("/")
    exported = requests.get(f"{rail}/v1/statement", params={"from": office.day(0), "to": office.day(0)}, timeout=30,
                            headers={"Authorization": f"Bearer {config['PROVIDER']['token']}"})
    exported.raise_for_status()
    office.client("finance-2")("POST", "/ledger/statements", csv=exported.content)


def seed(config: dict, url: str) -> dict:
    passwords = {name: secrets.token_urlsafe(12) for name in ("admin", "mentor", *(s[0] for s in STAFF))}
    admin_token = create_user_in(config["DATABASES"]["gateway"], CreateUser(
        username="admin", role="admin", password=passwords["admin"]))
    office = Office(url, Client(url, admin_token), {"admin": ("admin", admin_token, passwords["admin"])},
                    datetime.now(timezone.utc).date())
    steps = [("accounts", lambda: staff(office, passwords)),
             ("programmes", lambda: [office.admin("POST", "/programmes", p) for p in (GRANTS, ALLOWANCE)]),
             ("participants", lambda: enroll(office)),
             ("courses", lambda: coursework(office, courses(office))),
             ("phases", lambda: phases(office)),
             ("funding", lambda: money(office)),
             ("payment accounts", lambda: payment_accounts(office)),
             ("grants", lambda: grants(office)),
             ("mentors", lambda: mentors(office, passwords)),
             ("allowances", lambda: allowance_cycle(office)),
             ("statement", lambda: statement(office, config))]
    with Progress() as progress:
        task = progress.add_task("Loading the demo dataset", total=len(steps))
        for name, step in steps:
            progress.update(task, description=f"Demo: {name}")
            step()
            progress.advance(task)
    return office.logins


def seed_once(config: dict, url: str) -> dict:
    marker = Path(config["DATA_DIR"]) / "demo-logins.json"
    if marker.exists():
        return {name: tuple(value) for name, value in json.loads(marker.read_text()).items()}
    logins = seed(config, url)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch(mode=0o600)
    marker.write_text(json.dumps(logins, indent=2))
    return logins

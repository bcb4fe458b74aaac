"""The foundation's whole path, driven through the gateway's HTTP API over the real
RabbitMQ: enroll → coursework → eligibility → maker-checker approval → release →
Beancount ledger → disbursed → mentor match accepted. Once on SQLite, once on PostgreSQL."""
from pathlib import Path

import pytest

from services.ledger.verification.verify import verify
from tests.support import eventually

PERSON = {"full_name": "Amina Hassan Warsame", "phone": "+252 61 555 0101", "national_id": "SO-1987-554433",
          "date_of_birth": "1999-04-12", "gender": "F", "district": "Kismayo", "languages": ["so", "sw"],
          "livelihood_interest": "tailoring", "clearance_reference": "NSC-2026-0412",
          "consent": {"given_on": "2026-09-01"}}
PROGRAMME = {"code": "LG-2026", "name": "Livelihood start-up grants 2026", "donor": "MDTF",
             "currency": "USD", "grant_amount": "500.00", "budget": "100000.00",
             "tranches": [{"percent": 60}, {"percent": 40, "conditions": [{"type": "follow_up_confirmed"}]}],
             "approval_tiers": [{"max_amount": "400.00", "approvers": ["officer"]},
                                {"max_amount": None, "approvers": ["officer", "supervisor"]}],
             "conditions": [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
                            {"type": "completed_track", "track": "BUSINESS_DEVELOPMENT"},
                            {"type": "min_attendance", "percent": 80},
                            {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
                            {"type": "consent_active"}, {"type": "no_earlier_grant"}]}
ENTRY_ASSESSMENT = {"kind": "ENTRY", "assessed_on": "2026-09-02", "needs": ["income", "literacy"],
                    "risk_factors": {"peer pressure": 2}, "protective_factors": {"family support": 3},
                    "livelihood_plan": "Tailoring: train, then open a stall"}
PLAN = {"summary": "A tailoring stall in Kismayo market", "trade": "tailoring",
        "budget_lines": [{"item": "sewing machine", "amount": "300.00"}, {"item": "fabric", "amount": "50.00"}]}


def take_course(officer, admin, participant_id, code, track, present_sessions):
    admin.post("/courses", {"code": code, "track": track, "title": code}, expect=201)
    cohort = officer.post("/cohorts", {"course_code": code, "district": "Kismayo", "starts_on": "2026-09-07",
                                       "ends_on": "2026-10-30", "capacity": 25}, expect=201)["cohort_id"]
    assert officer.post(f"/cohorts/{cohort}/members", {"participant_id": participant_id},
                        expect=201)["status"] == "ENROLLED"
    for day in range(5):
        mark = "present" if day < present_sessions else "absent"
        officer.post(f"/cohorts/{cohort}/attendance", {"session_date": f"2026-09-{10 + day}",
                                                      mark: [participant_id]}, expect=200)
    completion = officer.post(f"/cohorts/{cohort}/completions", {
        "participant_id": participant_id, "result": "PASS", "score": "78.5", "completed_on": "2026-10-30"},
        expect=200)
    assert (completion["sessions_held"], completion["sessions_attended"]) == (5, present_sessions)


def failing(report):
    return {c["condition"]["type"] for c in report["conditions"] if not c["passed"]}


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_enroll_train_grant_pay_and_mentor(suite, config):
    admin = suite
    officer_a, officer_b = admin.new_user("officer-a", "officer", "Kismayo"), admin.new_user("officer-b", "officer")
    supervisor, finance = admin.new_user("supervisor", "supervisor"), admin.new_user("finance", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)

    participant = officer_a.post("/participants", PERSON, expect=201)
    pid = participant["participant_id"]
    assert "personal" not in participant and "Amina" not in str(participant)
    assert officer_a.get(f"/participants/{pid}")["personal"]["national_id"] == PERSON["national_id"]
    assert "personal" not in supervisor.get(f"/participants/{pid}")

    first = eventually(lambda: officer_a.get(f"/programmes/LG-2026/eligibility/{pid}", expect=200))
    assert not first["eligible"]
    assert failing(first) == {"completed_track", "min_attendance", "phase_in"}
    assert any("phase ENTRY_ASSESSMENT is not one of" in c["reason"] for c in first["conditions"])

    take_course(officer_a, admin, pid, "FL-101", "FINANCIAL_LITERACY", present_sessions=4)
    take_course(officer_a, admin, pid, "BD-101", "BUSINESS_DEVELOPMENT", present_sessions=5)
    assert officer_a.post(f"/participants/{pid}/phase", {"to_phase": "REHABILITATION"},
                          expect=409)["message"] == "record the entry assessment before moving to REHABILITATION"
    officer_a.post(f"/participants/{pid}/assessments", ENTRY_ASSESSMENT, expect=201)
    for phase in ("REHABILITATION", "EXIT_ASSESSMENT"):
        officer_a.post(f"/participants/{pid}/phase", {"to_phase": phase}, expect=200)
    report = eventually(lambda: (r := officer_a.get(f"/programmes/LG-2026/eligibility/{pid}"))["eligible"] and r)
    assert all(c["passed"] for c in report["conditions"])

    grant = officer_a.post("/grants", {"programme": "LG-2026", "participant_id": pid, "amount": "350.00",
                                       "currency": "USD", "business_plan": PLAN}, expect=201)
    gid = grant["application_id"]
    assert officer_a.post(f"/grants/{gid}/submit", expect=200)["status"] == "SUBMITTED"
    assert officer_a.post(f"/grants/{gid}/approve", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
    assert officer_b.post(f"/grants/{gid}/release", expect=403)["error"] == "FORBIDDEN"
    assert finance.post(f"/grants/{gid}/release", expect=409)["error"] == "ILLEGAL_TRANSITION"
    assert officer_b.post(f"/grants/{gid}/approve", expect=409)["error"] == "INSUFFICIENT_FUNDS"
    funding = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-2026-001", "received_on": "2026-11-02"}
    eventually(lambda: finance.call("POST", "/programmes/LG-2026/funding", funding).status_code == 201)
    eventually(lambda: finance.get("/programmes/LG-2026/budget")["available"] == "1000.00")
    assert officer_b.post(f"/grants/{gid}/approve", expect=200)["status"] == "APPROVED"
    assert finance.get("/programmes/LG-2026/budget")["available"] == "650.00"

    assert finance.post(f"/grants/{gid}/release", expect=202)["status"] == "DISBURSING"
    first = eventually(lambda: (g := finance.get(f"/grants/{gid}"))["disbursements"][0]["status"] == "PAID" and g)
    assert (first["status"], first["disbursements"][0]["amount"]) == ("DISBURSING", "210.00")
    refused = finance.post(f"/grants/{gid}/release", expect=409)
    assert refused["message"] == "paused, not paid: tranche 2: no follow-up visit recorded"
    officer_a.post(f"/grants/{gid}/follow-up", {"visited_on": "2026-11-20", "business_operating": True,
                                               "note": "stall open, two customers seen"}, expect=201)
    assert finance.post(f"/grants/{gid}/release", expect=202)["paused_reason"] is None

    paid = eventually(lambda: (g := finance.get(f"/grants/{gid}"))["status"] == "DISBURSED" and g)
    assert [(d["tranche"], d["amount"], d["status"]) for d in paid["disbursements"]] == [
        (1, "210.00", "PAID"), (2, "140.00", "PAID")]
    assert [h["action"] for h in paid["history"]] == [
        "DRAFT", "SUBMIT", "APPROVE", "RELEASE", "PAUSE", "FOLLOW_UP", "RESUME", "RELEASE", "DISBURSED"]
    posted = finance.get(f"/ledger/disbursements/{paid['disbursements'][1]['disbursement_id']}")
    assert (posted["amount"], posted["participant_id"], posted["status"]) == ("140.00", pid, "PAID")

    balances = {(r["account"], r["currency"]): r["balance"] for r in finance.get("/ledger/trial-balance")["accounts"]}
    assert balances[("Assets:MobileMoney:SimMobile:Float", "USD")] == "-350.00"
    assert balances[("Assets:Bank:MDTF", "USD")] == "1000.00"
    assert balances[("Liabilities:Payable:Grants", "USD")] == "0.00"
    csv_text = finance.call("GET", "/ledger/trial-balance?format=csv", expect=200)
    assert csv_text.headers["Content-Type"].startswith("text/csv") and "Expenses:Livelihoods:Grants:LG-2026" in csv_text.text
    assert officer_a.call("GET", "/ledger/trial-balance", expect=403).json()["error"] == "FORBIDDEN"

    ledger_dir = Path(config["LEDGER"]["directory"])
    report = verify(str(ledger_dir))
    assert report.ok, report
    assert report.transactions == 5  # funding, then payable + payment for each tranche
    text = "".join(p.read_text() for p in ledger_dir.rglob("*.beancount"))
    assert pid in text
    for secret in ("Amina", "Warsame", "555 0101", "SO-1987-554433", "1999-04-12"):
        assert secret not in text

    mentor = admin.post("/mentors", {"district": "Kismayo", "gender": "F", "languages": ["so"],
                                     "trade": "tailoring", "capacity": 2, "vetted": True}, expect=201)
    mentor_user = admin.new_user("mentor", "mentor", mentor_id=mentor["mentor_id"])
    [draft] = officer_a.post("/mentorship/rounds", {}, expect=201)["matches"]
    offer = officer_a.post(f"/mentorship/offers/{draft['offer_id']}/send", expect=200)
    assert offer["mentor_id"] == mentor["mentor_id"] and offer["status"] == "PROPOSED"
    [seen] = mentor_user.get("/mentorship/offers")
    assert seen["offer_id"] == offer["offer_id"] and seen["mentee"]["first_name"] == "Amina"
    assert pid not in str(seen) and "Warsame" not in str(seen) and PERSON["phone"][-8:] not in str(seen)
    assert mentor_user.post(f"/mentorship/offers/{offer['offer_id']}/accept", expect=200)["status"] == "ACCEPTED"
    assert officer_a.call("GET", "/mentorship/offers").status_code == 403

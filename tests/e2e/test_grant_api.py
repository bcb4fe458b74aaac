"""The grant API over the real broker: tiers, return and revise, cancel, the queue,
funding and budget, and the bad input around them."""
import pytest

from tests.e2e.test_grant_path import PERSON, PLAN, PROGRAMME
from tests.support import eventually


@pytest.fixture
def office(suite):
    admin = suite

    people = {"admin": admin, "maker": admin.new_user("maker", "officer", "Kismayo"), "checker": admin.new_user("checker", "officer"),
              "boss": admin.new_user("boss", "supervisor"), "finance": admin.new_user("money", "finance"),
              "baidoa": admin.new_user("baidoa", "officer", "Baidoa")}
    programme = {**PROGRAMME, "conditions": [{"type": "consent_active"}]}
    admin.post("/programmes", programme, expect=201)
    funding = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-9", "received_on": "2026-11-02"}
    eventually(lambda: people["finance"].call("POST", "/programmes/LG-2026/funding", funding).status_code == 201)
    pid = people["maker"].post("/participants", PERSON, expect=201)["participant_id"]
    eventually(lambda: people["maker"].call("GET", f"/programmes/LG-2026/eligibility/{pid}").ok)
    eventually(lambda: people["finance"].get("/programmes/LG-2026/budget")["funded"] == "1000.00")
    people["pid"] = pid
    return people


def draft(office, amount):
    return office["maker"].post("/grants", {"programme": "LG-2026", "participant_id": office["pid"],
                                            "amount": amount, "currency": "USD", "business_plan": PLAN},
                                expect=201)["application_id"]


def test_upper_tier_needs_officer_and_supervisor(office):
    gid = draft(office, "450.00")
    assert office["maker"].post(f"/grants/{gid}/submit", expect=200)["required_approvers"] == ["officer", "supervisor"]
    assert office["finance"].post(f"/grants/{gid}/approve", expect=403)["error"] == "FORBIDDEN"
    after_boss = office["boss"].post(f"/grants/{gid}/approve", expect=200)
    assert after_boss["status"] == "SUBMITTED" and [a["role"] for a in after_boss["approvals"]] == ["supervisor"]
    assert office["checker"].post(f"/grants/{gid}/approve", expect=200)["status"] == "APPROVED"
    assert office["boss"].post(f"/grants/{gid}/approve", expect=409)["error"] == "ILLEGAL_TRANSITION"
    assert office["finance"].get("/programmes/LG-2026/budget")["available"] == "550.00"


def test_return_revise_resubmit_and_reject(office):
    gid = draft(office, "300.00")
    office["maker"].post(f"/grants/{gid}/submit", expect=200)
    returned = office["checker"].post(f"/grants/{gid}/return", {"reason": "add a rent line"}, expect=200)
    assert (returned["status"], returned["decision_reason"]) == ("RETURNED", "add a rent line")
    revised = office["maker"].post(f"/grants/{gid}/revise", {"amount": "320.00", "business_plan": PLAN}, expect=200)
    assert revised["amount"] == "320.00"
    office["maker"].post(f"/grants/{gid}/submit", expect=200)
    assert office["checker"].post(f"/grants/{gid}/reject", {"reason": "no"}, expect=400)["error"] == \
        "VALIDATION_ERROR"  # a reason of three characters at least
    assert office["checker"].post(f"/grants/{gid}/reject", {"reason": "market already saturated"},
                                  expect=200)["status"] == "REJECTED"
    assert office["checker"].post(f"/grants/{gid}/approve", expect=409)["error"] == "ILLEGAL_TRANSITION"
    history = [h["action"] for h in office["maker"].get(f"/grants/{gid}")["history"]]
    assert history == ["DRAFT", "SUBMIT", "RETURN", "REVISE", "SUBMIT", "REJECT"]


def test_cancel_and_the_queue(office):
    small, large = draft(office, "100.00"), draft(office, "450.00")
    for gid in (small, large):
        office["maker"].post(f"/grants/{gid}/submit", expect=200)
    assert [a["application_id"] for a in office["boss"].get("/grants?status=SUBMITTED&tier=2")] == [large]
    assert office["baidoa"].get("/grants?status=SUBMITTED") == []  # another district's queue
    assert office["checker"].post(f"/grants/{small}/cancel", {"reason": "duplicate"}, expect=403)["error"] == \
        "FORBIDDEN"
    assert office["maker"].post(f"/grants/{small}/cancel", {"reason": "duplicate application"},
                                expect=200)["status"] == "CANCELLED"
    assert office["boss"].get("/grants?tier=9", expect=400)["error"] == "VALIDATION_ERROR"


def test_funding_is_idempotent_by_reference_and_checked(office):
    finance = office["finance"]
    again = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-9", "received_on": "2026-11-02"}
    assert finance.post("/programmes/LG-2026/funding", again, expect=201)["amount"] == "1000.00"
    assert finance.post("/programmes/LG-2026/funding", {**again, "amount": "2000.00"},
                        expect=409)["error"] == "IDEMPOTENCY_CONFLICT"
    assert finance.post("/programmes/LG-2026/funding", {**again, "reference": "X-2", "currency": "EUR"},
                        expect=400)["error"] == "VALIDATION_ERROR"
    assert finance.post("/programmes/NOPE/funding", {**again, "reference": "X-3"}, expect=404)["error"] == \
        "UNKNOWN_PROGRAMME"
    assert finance.post("/programmes/LG-2026/funding", {**again, "reference": "X-4", "amount": "-5"},
                        expect=400)["error"] == "VALIDATION_ERROR"
    assert office["maker"].post("/programmes/LG-2026/funding", {**again, "reference": "X-5"},
                                expect=403)["error"] == "FORBIDDEN"
    assert finance.get("/programmes/LG-2026/budget")["funded"] == "1000.00"


def test_programmes_with_bad_rules_are_refused(office):
    admin = office["admin"]
    bad = {**PROGRAMME, "code": "BAD-1", "conditions": [{"type": "min_attendance", "percent": "lots"}]}
    assert "condition" in admin.post("/programmes", bad, expect=400)["message"]
    uneven = {**PROGRAMME, "code": "BAD-2", "tranches": [{"percent": 70}, {"percent": 20}]}
    assert "add up to 100" in admin.post("/programmes", uneven, expect=400)["message"]


def test_an_officer_of_another_district_can_neither_see_nor_decide_nor_draft(office):
    gid = draft(office, "300.00")
    office["maker"].post(f"/grants/{gid}/submit", expect=200)
    baidoa = office["baidoa"]
    for path in (f"/grants/{gid}/approve", f"/grants/{gid}/cancel", f"/grants/{gid}/submit"):
        body = {"reason": "not my district"} if path.endswith("cancel") else {}
        assert baidoa.post(path, body, expect=404)["error"] == "NOT_FOUND", path  # as if unknown
    assert baidoa.get(f"/grants/{gid}", expect=404)["error"] == "NOT_FOUND"
    assert baidoa.get(f"/programmes/LG-2026/eligibility/{office['pid']}",
                      expect=404)["error"] == "UNKNOWN_PARTICIPANT"
    assert baidoa.post("/grants", {"programme": "LG-2026", "participant_id": office["pid"], "amount": "100.00",
                                   "currency": "USD", "business_plan": PLAN}, expect=404)["error"] == \
        "UNKNOWN_PARTICIPANT"
    assert office["maker"].get(f"/grants/{gid}")["status"] == "SUBMITTED"  # nothing changed
    assert office["checker"].post(f"/grants/{gid}/approve", expect=200)["status"] == "APPROVED"  # no district: all

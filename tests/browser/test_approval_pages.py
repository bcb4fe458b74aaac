"""A supervisor works the approval queue in the browser: returns an application with a
reason, and approves it once revised and approved by another officer."""
from tests.browser.seed import eligible_participant, funded, staff, submitted_grant
from tests.e2e.test_grant_path import PROGRAMME


def test_supervisor_returns_then_approves(suite, browse):
    admin = suite
    maker, checker = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-c", "officer")
    staff(admin, "supervisor", "supervisor")
    finance = staff(admin, "finance", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funded(finance)
    application = submitted_grant(maker, eligible_participant(admin, maker), "450.00")  # officer and supervisor

    returned = browse("supervisor_decides", application=application, decision="return")
    assert returned["landing"].endswith("/app/approvals") and application in returned["queue"]
    assert returned["eligibility"] == "Eligible"
    assert returned["notice"] == f"{application} returned to its maker for revision."
    grant = maker.get(f"/grants/{application}")
    assert (grant["status"], grant["history"][-1]["action"]) == ("RETURNED", "RETURN")
    assert grant["history"][-1]["reason"] == "Add the cost of thread and a market stall fee to the budget"

    maker.post(f"/grants/{application}/submit", expect=200)
    assert checker.post(f"/grants/{application}/approve", expect=200)["status"] == "SUBMITTED"
    approved = browse("supervisor_decides", application=application, decision="approve")
    assert approved["notice"] == f"{application} approved; it is now: Approved."
    grant = maker.get(f"/grants/{application}")
    assert grant["status"] == "APPROVED"
    assert [(a["by"], a["role"]) for a in grant["approvals"]] == [("officer-c", "officer"), ("supervisor", "supervisor")]

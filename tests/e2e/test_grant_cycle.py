"""Grant tranches paid as one cycle over HTTP, the real RabbitMQ and the real ledger: finance
prepares the tranches due of a programme (count and total declared), another finance user
releases it, the tranches go out in a chunk, and the cycle is COMPLETE once the ledger's
totals for it (`cycle_totals`) agree; a grant in the cycle is not released on its own."""
from tests.e2e.test_allowance_cycle import SECOND
from tests.e2e.test_grant_path import PERSON, PLAN
from tests.support import eventually

PROGRAMME = {"code": "GC-2026", "name": "Start-up grants in cycles", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "10000.00", "conditions": [{"type": "consent_active"}],
             "tranches": [{"percent": 60}, {"percent": 40}]}


def test_a_grant_cycle_is_prepared_released_by_another_and_completes(suite):
    admin = suite
    officer_a = admin.new_user("officer-a", "officer", "Kismayo")
    officer_b = admin.new_user("officer-b", "officer", "Kismayo")
    finance_a, finance_b = admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funding = {"amount": "2000.00", "currency": "USD", "reference": "MDTF-GC-001", "received_on": "2026-11-02"}
    eventually(lambda: finance_a.call("POST", "/programmes/GC-2026/funding", funding).status_code == 201)
    eventually(lambda: finance_a.get("/programmes/GC-2026/budget")["funded"] == "2000.00")
    grants = []
    for person in (PERSON, SECOND):
        pid = officer_a.post("/participants", person, expect=201)["participant_id"]
        eventually(lambda: officer_a.call("GET", f"/programmes/GC-2026/eligibility/{pid}").status_code == 200)
        gid = officer_a.post("/grants", {"programme": "GC-2026", "participant_id": pid, "amount": "350.00",
                                         "currency": "USD", "business_plan": PLAN}, expect=201)["application_id"]
        officer_a.post(f"/grants/{gid}/submit", expect=200)
        assert officer_b.post(f"/grants/{gid}/approve", expect=200)["status"] == "APPROVED"
        grants.append(gid)

    assert officer_a.post("/grants/cycles", {"programme": "GC-2026"}, expect=403)["error"] == "FORBIDDEN"
    cycle = finance_a.post("/grants/cycles", {"programme": "GC-2026"}, expect=201)
    cid = cycle["cycle_id"]
    assert (cycle["kind"], cycle["status"], cycle["declared_count"], cycle["declared_total"]) == (
        "GRANT", "PREPARED", 2, "420.00")
    assert finance_a.post(f"/grants/{grants[0]}/release", expect=409)["error"] == "ILLEGAL_TRANSITION"
    assert finance_a.post(f"/allowances/cycles/{cid}/release", expect=403)["error"] == "SEGREGATION_OF_DUTIES"

    released = finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)
    assert released["released"] == {"sent": 2, "sent_amount": "420.00", "stopped": 0}
    done = eventually(lambda: (c := finance_a.get(f"/allowances/cycles/{cid}"))["complete"] and c, timeout=60)
    assert (done["status"], done["paid"], done["counts"]) == ("COMPLETE", "420.00", {"PAID": 2})
    assert done["completion"].startswith("every payment settled and the ledger's totals agree: 420.00 paid")
    for gid in grants:
        grant = finance_a.get(f"/grants/{gid}")
        assert grant["status"] == "DISBURSING"
        assert [(d["cycle_id"], d["tranche"], d["status"]) for d in grant["disbursements"]] == [(cid, 1, "PAID")]
    assert [c["kind"] for c in finance_a.get("/allowances/cycles?programme=GC-2026")] == ["GRANT"]

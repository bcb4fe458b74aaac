"""M&E in the browser: programme figures with charts, from counts only, small ones suppressed."""
from tests.browser.seed import eligible_participant, funded, staff, submitted_grant
from tests.browser.test_mentor_pages import sent_offer
from tests.e2e.test_grant_path import PERSON, PROGRAMME
from tests.e2e.test_mentorship_path import SECOND_PERSON
from tests.support import eventually


def test_monitoring_sees_de_identified_figures(suite, browse):
    admin = suite
    maker, checker = staff(admin, "officer-k", "officer", "Kismayo"), staff(admin, "officer-c", "officer")
    finance = staff(admin, "finance", "finance")
    staff(admin, "monitoring", "monitoring")
    admin.post("/programmes", PROGRAMME, expect=201)
    funded(finance)
    pid, offer, mentor = sent_offer(admin, maker)
    mentor.post(f"/mentorship/offers/{offer}/accept", expect=200)
    other = eligible_participant(admin, maker, {**SECOND_PERSON, "gender": "M"})
    application = submitted_grant(maker, other, "350.00")
    checker.post(f"/grants/{application}/approve", expect=200)
    finance.post(f"/grants/{application}/release", expect=202)
    eventually(lambda: finance.get(f"/grants/{application}")["disbursements"][0]["status"] == "PAID")

    seen = browse("monitoring_figures")
    assert seen["landing"].endswith("/app/figures")
    assert [" ".join(text.split()) for text in seen["figures"]] == [
        "<5 enrolled", "<5 courses passed", "<5 grant payments", "0 allowance payments", "<5 mentor matches accepted"]
    assert seen["charts"] == 4
    for private in (pid, other, offer, application, PERSON["full_name"], "Amina", "Hodan", PERSON["phone"]):
        assert private not in seen["html"]
    assert "210.00" not in seen["html"] and "<td>Man</td>" in seen["html"]  # one payment: its amount is hidden
    assert seen["officer_page_status"] == 403

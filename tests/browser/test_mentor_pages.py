"""A mentor on a phone: sees the offer (a first name, district and trade), accepts it and
logs a session; an officer's page is refused. Another mentor does it in Somali."""
from services.gateway.web.i18n import translations
from tests.browser.seed import staff
from tests.e2e.test_grant_path import PERSON
from tests.e2e.test_mentorship_path import MENTOR
from tests.support import eventually


def sent_offer(admin, officer):
    """A participant matched with a mentor who can sign in as `mentor-t`, the offer sent:
    the participant, the offer and the mentor's API client."""
    pid = officer.post("/participants", PERSON, expect=201)["participant_id"]
    mentor = officer.post("/mentors", MENTOR, expect=201)
    mentor_user = staff(admin, "mentor-t", "mentor", mentor_id=mentor["mentor_id"])
    matching = eventually(lambda: (answer := officer.call("POST", "/mentorship/rounds", {})).status_code == 201
                          and answer.json())
    [draft] = matching["matches"]
    officer.post(f"/mentorship/offers/{draft['offer_id']}/send", expect=200)
    return pid, draft["offer_id"], mentor_user


def test_mentor_accepts_and_logs_a_session_on_a_phone(suite, browse):
    admin = suite
    officer = staff(admin, "officer-k", "officer", "Kismayo")
    pid, offer, _mentor = sent_offer(admin, officer)

    seen = browse("mentor_day")
    assert seen["landing"].endswith("/app/offers") and seen["fits_phone"]
    assert seen["offer"].startswith("Amina") and "Kismayo" in seen["offer"] and "tailoring" in seen["offer"]
    assert pid not in seen["offer"] and "Warsame" not in seen["offer"] and "555 0101" not in seen["offer"]
    assert seen["accepted"] == "Accepted. The officer will arrange your first meeting."
    assert seen["logged"] == "Session logged." and pid in seen["mentees"] and "Costing a dress" in seen["mentees"]
    [logged] = officer.get(f"/mentorship/offers/{offer}/sessions")
    assert (logged["topic"], logged["note"]) == ("Costing a dress", "Market visit")
    assert seen["officer_page_status"] == 403 and PERSON["full_name"] not in seen["officer_page_text"]


def test_a_mentor_picks_somali_and_accepts_an_offer_in_it(suite, browse):
    admin = suite
    officer = staff(admin, "officer-k", "officer", "Kismayo")
    _pid, offer, mentor = sent_offer(admin, officer)
    somali = translations("so").gettext

    seen = browse("mentor_in_somali")
    assert seen["lang"] == seen["lang_next_time"] == "so"
    assert seen["heading"] == seen["heading_next_time"] == somali("My offers") != "My offers"
    assert seen["accept"] == somali("Accept") != "Accept"
    assert seen["accepted"] == somali("Accepted. The officer will arrange your first meeting.")
    assert [(o["offer_id"], o["status"]) for o in mentor.get("/mentorship/offers")] == [(offer, "ACCEPTED")]

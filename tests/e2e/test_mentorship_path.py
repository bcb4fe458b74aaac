"""Mentorship through the gateway over RabbitMQ: an officer runs a matching round and reviews
it, mentors see only their own offers (a first name, district and trade; the id once
accepted), accept or decline, and log sessions."""
from datetime import datetime, timezone

import pytest

from tests.e2e.test_grant_path import PERSON
from tests.support import eventually

MENTOR = {"district": "Kismayo", "gender": "F", "languages": ["so"], "trade": "tailoring", "capacity": 2,
          "vetted": True}
SECOND_PERSON = {**PERSON, "full_name": "Hodan Ali Yusuf", "phone": "+252 61 555 0202",
                 "national_id": "SO-1990-111222", "date_of_birth": "1998-02-02", "livelihood_interest": "fishing"}


@pytest.fixture
def office(suite):
    admin = suite
    return {"admin": admin, "officer": admin.new_user("officer-k", "officer", "Kismayo"),
            "baidoa": admin.new_user("officer-b", "officer", "Baidoa"),
            "supervisor": admin.new_user("super", "supervisor")}


def test_round_review_accept_decline_and_sessions(office):
    admin, officer, baidoa, supervisor = office["admin"], office["officer"], office["baidoa"], office["supervisor"]
    amina = officer.post("/participants", PERSON, expect=201)["participant_id"]
    hodan = officer.post("/participants", SECOND_PERSON, expect=201)["participant_id"]
    tailor = officer.post("/mentors", MENTOR, expect=201)
    fisher = officer.post("/mentors", {**MENTOR, "trade": "fishing"}, expect=201)
    assert baidoa.post("/mentors", MENTOR, expect=403)["error"] == "FORBIDDEN"
    tailor_user = admin.new_user("mentor-t", "mentor", mentor_id=tailor["mentor_id"])
    fisher_user = admin.new_user("mentor-f", "mentor", mentor_id=fisher["mentor_id"])

    def both_waiting():
        answer = officer.call("POST", "/mentorship/rounds", {})
        return answer.status_code == 201 and answer.json()["matched"] == 2 and answer.json()

    matching_round = eventually(both_waiting)  # enrollment's events reach mentorship asynchronously
    assert matching_round["district"] == "Kismayo"
    by_mentee = {m["participant_id"]: m for m in matching_round["matches"]}
    assert (by_mentee[amina]["mentor_id"], by_mentee[hodan]["mentor_id"]) == (tailor["mentor_id"], fisher["mentor_id"])
    assert by_mentee[amina]["factors"][0] == {"factor": "shared_trade", "value": "tailoring", "points": 3}
    assert {m["status"] for m in matching_round["matches"]} == {"DRAFT"}
    assert baidoa.post("/mentorship/rounds", {"district": "Kismayo"}, expect=403)["error"] == "FORBIDDEN"
    assert baidoa.get(f"/mentorship/rounds/{matching_round['round_id']}", expect=404)["error"] == "NOT_FOUND"
    assert supervisor.get(f"/mentorship/rounds/{matching_round['round_id']}")["matched"] == 2
    assert tailor_user.get("/mentorship/offers") == []  # nothing before review

    # review: one draft sent on its own, then the rest of the round
    amina_offer = by_mentee[amina]["offer_id"]
    assert baidoa.post(f"/mentorship/offers/{amina_offer}/send", expect=404)["error"] == "NOT_FOUND"
    assert officer.post(f"/mentorship/offers/{amina_offer}/send", expect=200)["status"] == "PROPOSED"
    sent = officer.post(f"/mentorship/rounds/{matching_round['round_id']}/send", expect=200)
    assert {m["status"] for m in sent["matches"]} == {"PROPOSED"}

    # the mentor's view: their own offers, a first name, no phone or id before accepting
    [seen] = tailor_user.get("/mentorship/offers")
    assert seen["mentee"] == {"first_name": "Amina", "district": "Kismayo", "trade": "tailoring"}
    assert amina not in str(seen) and PERSON["phone"][-8:] not in str(seen) and "Warsame" not in str(seen)
    hodan_offer = by_mentee[hodan]["offer_id"]
    assert tailor_user.post(f"/mentorship/offers/{hodan_offer}/accept", expect=403)["error"] == "FORBIDDEN"
    assert officer.call("GET", "/mentorship/offers").status_code == 403
    assert tailor_user.post("/mentorship/rounds", {}, expect=403)["error"] == "FORBIDDEN"

    accepted = tailor_user.post(f"/mentorship/offers/{amina_offer}/accept", expect=200)
    assert accepted["mentee"]["participant_id"] == amina
    again = tailor_user.post(f"/mentorship/offers/{amina_offer}/accept", expect=409)
    assert again["error"] == "ILLEGAL_TRANSITION"
    declined = fisher_user.post(f"/mentorship/offers/{hodan_offer}/decline", {"reason": "I travel this month"},
                                expect=200)
    assert declined["status"] == "DECLINED"
    assert fisher_user.post(f"/mentorship/offers/{hodan_offer}/decline", {}, expect=400)["error"] == "VALIDATION_ERROR"

    # sessions
    today = datetime.now(timezone.utc).date().isoformat()
    logged = tailor_user.post(f"/mentorship/offers/{amina_offer}/sessions",
                              {"held_on": today, "topic": "Costing a dress", "note": "Market visit"}, expect=201)
    assert logged["topic"] == "Costing a dress"
    assert fisher_user.post(f"/mentorship/offers/{amina_offer}/sessions", {"held_on": today, "topic": "Intrude"},
                            expect=403)["error"] == "FORBIDDEN"
    assert fisher_user.post(f"/mentorship/offers/{hodan_offer}/sessions", {"held_on": today, "topic": "Declined"},
                            expect=409)["error"] == "ILLEGAL_TRANSITION"
    assert officer.get(f"/mentorship/offers/{amina_offer}/sessions") == [logged]
    assert baidoa.get(f"/mentorship/offers/{amina_offer}/sessions", expect=404)["error"] == "NOT_FOUND"

    # Hodan waits again; the declined pair is never proposed again: the tailor's second place is hers
    [next_match] = officer.post("/mentorship/rounds", {}, expect=201)["matches"]
    assert (next_match["participant_id"], next_match["mentor_id"]) == (hodan, tailor["mentor_id"])


def test_mentor_administration_and_do_not_match(office):
    admin, officer = office["admin"], office["officer"]
    pid = officer.post("/participants", PERSON, expect=201)["participant_id"]
    mentor = officer.post("/mentors", MENTOR, expect=201)
    mentor_id = mentor["mentor_id"]
    changed = officer.call("PATCH", f"/mentors/{mentor_id}", {"vetted_until": "2026-01-01"}, expect=200).json()
    assert (changed["vetting"], changed["capacity"]) == ("LAPSED", 2)
    assert officer.call("PATCH", f"/mentors/{mentor_id}", {"capacity": 0}, expect=400).json()["error"] == \
        "VALIDATION_ERROR"
    officer.call("PATCH", f"/mentors/{mentor_id}", {"vetted_until": None}, expect=200)
    eventually(lambda: officer.call("POST", "/mentorship/do-not-match",
                                    {"participant_id": pid, "mentor_id": mentor_id}).status_code == 201)
    refused = officer.post("/mentorship/rounds", {}, expect=409)
    assert "on the do-not-match list" in refused["message"]
    stopped = admin.post(f"/mentors/{mentor_id}/deactivate", {"reason": "left the programme"}, expect=200)
    assert stopped["active"] is False
    assert office["supervisor"].get(f"/mentors/{mentor_id}")["unavailable"] == "deactivated"

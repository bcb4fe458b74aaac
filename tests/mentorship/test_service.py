"""The mentorship service in a real nameko container: RPCs through entrypoint hooks,
enrollment's events over RabbitMQ into the inbox-guarded projection, and mentorship's own
events published from the outbox."""
from datetime import date, datetime, timedelta, timezone

import eventlet
import pytest
from kombu import Connection, Queue
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from services.mentorship import offers, rounds
from services.mentorship.models import Base, Mentee, Mentor, MentoringSession, Offer, Round
from services.mentorship.service import MentorshipService
from shared.contracts import ConsentWithdrawn, ParticipantEnrolled, PhaseChanged
from shared.db import make_engine
from shared.errors import (Conflict, Forbidden, IllegalTransition, MentorAtCapacity, NoMentorAvailable,
                           NotEligible, NotFound, OfferExpired, UnknownParticipant, ValidationFailed)
from shared.events import new_envelope
from shared.dead_lettering import DEAD_LETTER_QUEUE, QUEUE
from shared.ids import ALPHABET, new_id
from shared.outbox import event_exchange
from tests.support import event_publisher, eventually
from tests.databases import migrated_sqlite_file

INBOX = Base.metadata.tables["inbox"]
OFFICER = "officer.amina"
SETTINGS = {"offer_expiry_days": 14, "women_with_women": True}


@pytest.fixture
def db_url(tmp_path):
    url = migrated_sqlite_file("mentorship", tmp_path / "mentorship.db")
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def events(rabbit_config):
    """mentorship's events as a consumer would receive them (bound before the service starts)."""
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        queue = Queue("probe-mentorship", exchange=event_exchange("mentorship"), routing_key="mentorship.#")
        queue(conn.default_channel).declare()

    def received() -> list[dict]:
        with Connection(rabbit_config["AMQP_URI"]) as conn:
            bound = queue(conn.default_channel)
            bodies = []
            while (message := bound.get(no_ack=True)) is not None:
                bodies.append(message.payload)
            return bodies
    return received


@pytest.fixture
def container(container_factory, rabbit_config, db_url, events):
    container = container_factory(MentorshipService, {**rabbit_config, "DATABASES": {"mentorship": db_url},
                                                      "MENTORSHIP": SETTINGS})
    container.start()
    return container


@pytest.fixture
def publish(rabbit_config):
    return event_publisher(rabbit_config["AMQP_URI"], "enrollment")


def call(container, method, *args):
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


def mentee_row(engine, participant_id):
    with engine.connect() as conn:
        return conn.execute(select(Mentee.__table__).where(Mentee.participant_id == participant_id)).first()


def enrolled(participant_id, **fields):
    values = {"district": "Baidoa", "gender": "F", "languages": ["Somali"],
              "livelihood_interest": "tailoring", "phase": "ENTRY_ASSESSMENT",
              "consent_active": True, "enrolled_on": date(2026, 11, 2), **fields}
    return new_envelope("enrollment", ParticipantEnrolled(participant_id=participant_id, **values))


def phase_changed(participant_id, from_phase, to_phase, changed_at=None):
    return new_envelope("enrollment", PhaseChanged(
        participant_id=participant_id, from_phase=from_phase, to_phase=to_phase,
        changed_by=OFFICER, changed_at=changed_at or datetime.now(timezone.utc)))


def consent_withdrawn(participant_id):
    return new_envelope("enrollment", ConsentWithdrawn(
        participant_id=participant_id, withdrawn_on=date(2026, 11, 20), recorded_by=OFFICER))


@pytest.fixture
def enroll(publish, engine):
    """Deliver participant.enrolled over the broker and wait for the projection row."""
    def deliver(participant_id, **fields):
        publish(enrolled(participant_id, **fields))
        return eventually(lambda: mentee_row(engine, participant_id))
    return deliver


def deliver_and_wait(container, publish, handler, envelope):
    """Publish and return what the handler returned (or raise what it raised)."""
    with entrypoint_waiter(container, handler) as result:
        publish(envelope)
    return result.get()


def mentor(container, **fields):
    data = {"district": "Baidoa", "gender": "F", "languages": ["Somali"], "trade": "tailoring",
            "capacity": 2, "vetted": True, **fields}
    return call(container, "register_mentor", data, OFFICER)["mentor_id"]


def run_round(container, district="Baidoa"):
    return call(container, "run_round", {"district": district}, OFFICER)


def sent_offer(container, participant_id, district="Baidoa"):
    """Run a round and send the participant's draft: the offer the mentor now sees."""
    matches = {m["participant_id"]: m for m in run_round(container, district)["matches"]}
    return call(container, "send_offer", matches[participant_id]["offer_id"], OFFICER)


def count(engine, table, *where):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where))


def offer_status(engine, offer_id):
    with engine.connect() as conn:
        return conn.scalar(select(Offer.status).where(Offer.id == offer_id))


def offers_seen_by(container, mentor_id):
    return call(container, "list_offers", mentor_id)["offers"]


# --- mentors -------------------------------------------------------------------------

def test_register_and_get_a_community_mentor(container):
    data = {"district": "Baidoa", "gender": "F", "languages": ["Somali", "somali", "Maay"], "trade": "tailoring",
            "capacity": 3, "vetted": True, "vetted_until": (date.today() + timedelta(days=700)).isoformat()}
    registered = call(container, "register_mentor", data, OFFICER)
    assert registered["mentor_id"].startswith("M-") and len(registered["mentor_id"]) == 8
    assert set(registered["mentor_id"][2:]) <= set(ALPHABET)
    assert registered["languages"] == ["Somali", "Maay"]
    assert (registered["active"], registered["vetting"], registered["unavailable"]) == (True, "VETTED", None)
    assert registered["registered_by"] == OFFICER
    assert call(container, "get_mentor", registered["mentor_id"]) == registered


def test_a_community_mentors_birth_year_is_kept_as_a_five_year_band(container, engine):
    mentor_id = mentor(container, birth_year=1987)
    with engine.connect() as conn:
        assert conn.scalar(select(Mentor.birth_cohort).where(Mentor.id == mentor_id)) == 1985


@pytest.mark.parametrize("change", [
    {"capacity": 0}, {"capacity": 21}, {"capacity": "3"}, {"vetted": "yes"}, {"gender": "X"},
    {"languages": []}, {"district": ""}, {"participant_id": "7K3M9Q"}, {"full_name": "Amina Noor"},
    {"vetted_until": "soon"},
])
def test_bad_mentor_data_is_refused_and_nothing_is_stored(container, engine, change):
    data = {"district": "Baidoa", "gender": "F", "languages": ["Somali"], "trade": "tailoring",
            "capacity": 2, "vetted": True, **change}
    with pytest.raises(ValidationFailed):
        call(container, "register_mentor", data, OFFICER)
    assert count(engine, Mentor.__table__) == 0


def test_a_participant_mentor_must_have_completed_the_programme_and_registers_once(container, enroll, engine):
    with pytest.raises(UnknownParticipant):
        mentor(container, participant_id="P-0AB12C")
    enroll("P-0AB12C", phase="AFTERCARE")
    with pytest.raises(NotEligible, match="not completed the programme"):
        mentor(container, participant_id="P-0AB12C")
    enroll("P-7K3M9Q", phase="CLOSED")
    first = mentor(container, participant_id="P-7K3M9Q")
    with pytest.raises(Conflict, match=first):
        mentor(container, participant_id="P-7K3M9Q")
    assert count(engine, Mentor.__table__) == 1


def test_unknown_mentor_is_not_found(container):
    with pytest.raises(NotFound):
        call(container, "get_mentor", "M-000000")
    with pytest.raises(NotFound):
        call(container, "list_offers", "M-000000")
    with pytest.raises(NotFound):
        call(container, "update_mentor", "M-000000", {"capacity": 3})


def test_vetting_and_availability_are_updated_and_shown(container):
    mentor_id = mentor(container, vetted=False)
    assert call(container, "get_mentor", mentor_id)["vetting"] == "NOT_VETTED"
    lapsed = call(container, "update_mentor", mentor_id, {"vetted": True, "vetted_until": "2026-01-31"})
    assert (lapsed["vetting"], lapsed["unavailable"]) == ("LAPSED", "vetting lapsed on 2026-01-31")
    later = (date.today() + timedelta(days=90)).isoformat()
    away = call(container, "update_mentor", mentor_id, {"vetted_until": None, "available_from": later})
    assert (away["vetting"], away["unavailable"]) == ("VETTED", f"not available before {later}")
    back = call(container, "update_mentor", mentor_id, {"available_from": None, "capacity": 4})
    assert (back["unavailable"], back["capacity"], back["trade"]) == (None, 4, "tailoring")
    with pytest.raises(ValidationFailed):
        call(container, "update_mentor", mentor_id, {"capacity": 0})


# --- the mentee projection -------------------------------------------------------------

def test_enrolled_event_builds_the_projection_and_a_redelivery_is_applied_once(
        container, publish, engine):
    envelope = enrolled("P-7K3M9Q", languages=["Somali", "Maay"])
    publish(envelope)
    row = eventually(lambda: mentee_row(engine, "P-7K3M9Q"))
    assert (row.district, row.gender, row.languages, row.livelihood_interest) == (
        "Baidoa", "F", ["Somali", "Maay"], "tailoring")
    assert (row.phase, row.consent_active) == ("ENTRY_ASSESSMENT", True)

    assert deliver_and_wait(container, publish, "on_participant_enrolled", envelope) is False
    with engine.connect() as conn:
        applied = conn.execute(
            select(INBOX.c.consumer).where(INBOX.c.event_id == envelope.event_id)).all()
    assert applied == [("mentorship.on_participant_enrolled",)]
    assert count(engine, Mentee.__table__) == 1


def test_a_later_enrollment_event_updates_the_mentee_but_not_a_newer_phase(
        container, publish, enroll, engine):
    enroll("P-7K3M9Q")
    deliver_and_wait(container, publish, "on_phase_changed",
                     phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "REHABILITATION"))
    corrected = enrolled("P-7K3M9Q", district="Kismayo", livelihood_interest="fishing")
    assert deliver_and_wait(container, publish, "on_participant_enrolled", corrected) is True
    row = mentee_row(engine, "P-7K3M9Q")
    assert (row.district, row.livelihood_interest, row.phase) == ("Kismayo", "fishing", "REHABILITATION")


def test_an_older_phase_change_arriving_late_does_not_overwrite_a_newer_one(
        container, publish, enroll, engine):
    enroll("P-7K3M9Q")
    now = datetime.now(timezone.utc)
    newer = phase_changed("P-7K3M9Q", "REHABILITATION", "EXIT_ASSESSMENT", now)
    older = phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "REHABILITATION", now - timedelta(days=30))
    assert deliver_and_wait(container, publish, "on_phase_changed", newer) is True
    assert deliver_and_wait(container, publish, "on_phase_changed", older) is True
    assert mentee_row(engine, "P-7K3M9Q").phase == "EXIT_ASSESSMENT"


def dead_letters(rabbit_config) -> list:
    """Drain the dead-letter queue over AMQP: (message id, queue it died in, body) each."""
    drained = []
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        queue = DEAD_LETTER_QUEUE(conn.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            drained.append((message.properties.get("message_id"), message.headers[QUEUE], message.payload))
    return drained


@pytest.mark.parametrize("handler, envelope, queue", [
    ("on_phase_changed", phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "WITHDRAWN"),
     "evt-enrollment-case.phase_changed--mentorship.on_phase_changed"),
    ("on_consent_withdrawn", consent_withdrawn("P-7K3M9Q"),
     "evt-enrollment-consent.withdrawn--mentorship.on_consent_withdrawn"),
])
def test_an_event_for_an_unseen_participant_is_dead_lettered(
        container, publish, engine, rabbit_config, handler, envelope, queue):
    with pytest.raises(UnknownParticipant):
        deliver_and_wait(container, publish, handler, envelope)
    assert eventually(lambda: dead_letters(rabbit_config)) == [(
        envelope.event_id, queue, envelope.model_dump(mode="json"))]
    assert count(engine, INBOX) == 0


def test_an_event_carrying_personal_data_is_dead_lettered_and_changes_nothing(
        container, publish, rabbit_config, engine):
    envelope = enrolled("P-7K3M9Q")
    malformed = envelope.model_copy(update={"payload": {**envelope.payload, "full_name": "Amina Noor"}})
    with pytest.raises(ValidationFailed, match="full_name"):
        deliver_and_wait(container, publish, "on_participant_enrolled", malformed)
    assert [event_id for event_id, _queue, _body in eventually(lambda: dead_letters(rabbit_config))] == [
        envelope.event_id]
    assert (count(engine, Mentee.__table__), count(engine, INBOX)) == (0, 0)


# --- matching rounds ----------------------------------------------------------------------

def test_a_round_drafts_the_best_matches_within_the_safeguards_and_says_who_is_left(container, enroll, engine):
    enroll("P-7K3M9Q", languages=["Somali", "Maay"])
    enroll("P-0AB12C", languages=["Maay"], livelihood_interest="carpentry")
    enroll("P-1CD34E", gender="M", district="Kismayo")
    mentor(container, gender="M", languages=["Somali", "Maay"])          # a man
    mentor(container, district="Kismayo", gender="F", capacity=1)        # elsewhere
    mentor(container, vetted=False, languages=["Somali", "Maay"])        # not vetted
    carpenter = mentor(container, trade="carpentry", languages=["Maay"], capacity=1)
    tailor = mentor(container, languages=["Somali"], capacity=1)

    result = run_round(container)
    assert (result["district"], result["waiting"], result["matched"], result["run_by"]) == ("Baidoa", 2, 2, OFFICER)
    matches = {m["participant_id"]: m for m in result["matches"]}
    assert (matches["P-7K3M9Q"]["mentor_id"], matches["P-0AB12C"]["mentor_id"]) == (tailor, carpenter)
    assert matches["P-7K3M9Q"]["factors"] == [
        {"factor": "shared_trade", "value": "tailoring", "points": 3},
        {"factor": "shared_language", "value": "Somali", "points": 1},
        {"factor": "mentor_load", "value": "mentee 1 of 1", "points": 2}]
    assert {m["status"] for m in result["matches"]} == {"DRAFT"}
    assert result["total_score"] == sum(m["score"] for m in result["matches"]) == 12
    assert result["unmatched"] == []
    assert offers_seen_by(container, tailor) == []  # drafts stay with the officers
    assert call(container, "get_round", result["round_id"]) == result


def test_the_unmatched_are_listed_with_why(container, enroll):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    mentor(container, capacity=1)
    mentor(container, gender="M")
    result = run_round(container)
    [unmatched] = result["unmatched"]
    assert unmatched["reason"] == "NO_FREE_PLACE"
    assert result["matched"] == 1


def test_a_round_that_can_match_nobody_explains_and_stores_nothing(container, enroll, engine):
    enroll("P-7K3M9Q")
    mentor(container, gender="M")
    mentor(container, vetted=False)
    with pytest.raises(NoMentorAvailable) as error:
        run_round(container)
    assert error.value.message == (
        "no mentor could be proposed to anyone waiting in Baidoa: P-7K3M9Q: no mentor in Baidoa may take them "
        "(1 of 2: not vetted; 1 of 2: women are matched with women mentors only)")
    enroll("P-0AB12C", district="Garbahaarey")
    with pytest.raises(NoMentorAvailable, match="no mentor is registered in Garbahaarey"):
        run_round(container, "Garbahaarey")
    assert (count(engine, Round.__table__), count(engine, Offer.__table__)) == (0, 0)


def test_nobody_waiting_is_a_conflict(container, enroll):
    mentor(container)
    with pytest.raises(Conflict, match="nobody in Baidoa is waiting"):
        run_round(container)
    enroll("P-7K3M9Q", consent_active=False)
    with pytest.raises(Conflict, match="nobody in Baidoa is waiting"):
        run_round(container)


def test_a_whole_programme_round_covers_every_district(container, enroll):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C", district="Kismayo", gender="M")
    baidoa, kismayo = mentor(container), mentor(container, district="Kismayo")
    result = call(container, "run_round", {}, OFFICER)
    assert result["district"] is None
    assert {(m["participant_id"], m["mentor_id"], m["district"]) for m in result["matches"]} == {
        ("P-7K3M9Q", baidoa, "Baidoa"), ("P-0AB12C", kismayo, "Kismayo")}


def test_a_new_round_replaces_unreviewed_drafts_and_skips_mentees_with_an_offer(container, enroll, engine):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    mentor(container, capacity=3)
    first = run_round(container)
    sent = call(container, "send_offer", first["matches"][0]["offer_id"], OFFICER)
    second = run_round(container)
    assert [m["participant_id"] for m in second["matches"]] == [first["matches"][1]["participant_id"]]
    replaced = call(container, "get_offer", first["matches"][1]["offer_id"])
    assert (replaced["status"], replaced["reason"]) == ("DISCARDED", f"superseded by round {second['round_id']}")
    assert offer_status(engine, sent["offer_id"]) == "PROPOSED"
    with pytest.raises(IllegalTransition, match="DISCARDED"):
        call(container, "send_offer", replaced["offer_id"], OFFICER)


# --- review: send or discard ----------------------------------------------------------------

def test_sending_shows_the_offer_to_its_mentor_with_an_expiry(container, enroll):
    enroll("P-7K3M9Q")
    mentor_id = mentor(container)
    offer = sent_offer(container, "P-7K3M9Q")
    assert (offer["status"], offer["sent_by"]) == ("PROPOSED", OFFICER)
    sent_at, expires_at = datetime.fromisoformat(offer["sent_at"]), datetime.fromisoformat(offer["expires_at"])
    assert expires_at - sent_at == timedelta(days=14)
    listing = call(container, "list_offers", mentor_id)
    [seen] = listing["offers"]
    assert seen["offer_id"] == offer["offer_id"] and seen["expires_at"] == offer["expires_at"]
    assert seen["mentee"] == {"district": "Baidoa", "trade": "tailoring"}  # no id before acceptance
    assert listing["first_names"] == {offer["offer_id"]: "P-7K3M9Q"}
    with pytest.raises(IllegalTransition):
        call(container, "send_offer", offer["offer_id"], OFFICER)


def test_a_whole_round_is_sent_at_once_or_not_at_all(container, enroll, engine):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    mentor_id = mentor(container, capacity=2)
    result = run_round(container)
    with engine.begin() as conn:
        conn.execute(update(Mentor).where(Mentor.id == mentor_id).values(capacity=1))
    with pytest.raises(MentorAtCapacity):
        call(container, "send_round", result["round_id"], OFFICER)
    assert count(engine, Offer.__table__, Offer.status == "PROPOSED") == 0
    call(container, "discard_offer", result["matches"][1]["offer_id"], {"reason": "family asked to wait"})
    sent = call(container, "send_round", result["round_id"], OFFICER)
    assert [m["status"] for m in sent["matches"]] == ["PROPOSED", "DISCARDED"]
    assert sent["matches"][1]["reason"] == "family asked to wait"


def test_a_discarded_mentee_waits_for_the_next_round(container, enroll):
    enroll("P-7K3M9Q")
    mentor_id = mentor(container)
    [draft] = run_round(container)["matches"]
    with pytest.raises(ValidationFailed):
        call(container, "discard_offer", draft["offer_id"], {"reason": ""})
    call(container, "discard_offer", draft["offer_id"], {"reason": "officer wants to meet her first"})
    with pytest.raises(IllegalTransition):
        call(container, "discard_offer", draft["offer_id"], {"reason": "twice"})
    [again] = run_round(container)["matches"]
    assert again["mentor_id"] == mentor_id and again["offer_id"] != draft["offer_id"]


def test_a_draft_is_not_sent_to_a_mentor_who_became_unavailable(container, enroll):
    enroll("P-7K3M9Q")
    mentor_id = mentor(container)
    [draft] = run_round(container)["matches"]
    call(container, "update_mentor", mentor_id, {"vetted_until": "2026-01-01"})
    with pytest.raises(NotEligible, match="vetting lapsed"):
        call(container, "send_offer", draft["offer_id"], OFFICER)


# --- the mentor decides ----------------------------------------------------------------------

@pytest.fixture
def proposed(container, enroll):
    """One PROPOSED offer for P-7K3M9Q to the only mentor in Baidoa."""
    enroll("P-7K3M9Q")
    mentor(container)
    return sent_offer(container, "P-7K3M9Q")


def test_accept_once_announces_the_match_and_shows_the_id(container, proposed, events):
    accepted = call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    assert accepted["status"] == "ACCEPTED" and accepted["decided_at"] is not None
    assert accepted["mentee"] == {"district": "Baidoa", "trade": "tailoring", "participant_id": "P-7K3M9Q"}
    with pytest.raises(IllegalTransition):
        call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    with pytest.raises(IllegalTransition):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], {"reason": "changed mind"})
    [event] = eventually(events)
    assert (event["type"], event["source"]) == ("mentorship.match_accepted", "mentorship")
    assert event["payload"] == {"offer_id": proposed["offer_id"], "participant_id": "P-7K3M9Q",
                                "mentor_id": proposed["mentor_id"], "district": "Baidoa", "shared_trade": True,
                                "accepted_at": event["payload"]["accepted_at"]}
    with pytest.raises(Conflict, match="nobody in Baidoa is waiting"):
        run_round(container)


def test_another_mentor_cannot_see_or_decide_an_offer(container, proposed, engine):
    intruder = mentor(container, district="Kismayo")
    with pytest.raises(Forbidden):
        call(container, "accept_offer", proposed["offer_id"], intruder)
    with pytest.raises(Forbidden):
        call(container, "decline_offer", proposed["offer_id"], intruder, {"reason": "not mine"})
    with pytest.raises(Forbidden):
        call(container, "list_sessions", proposed["offer_id"], intruder)
    assert offers_seen_by(container, intruder) == []
    assert offer_status(engine, proposed["offer_id"]) == "PROPOSED"


def test_a_draft_or_unknown_offer_is_not_found_for_a_mentor(container, enroll, engine):
    enroll("P-7K3M9Q")
    mentor_id = mentor(container)
    [draft] = run_round(container)["matches"]
    for offer_id in (draft["offer_id"], "O-000000"):
        with pytest.raises(NotFound):
            call(container, "accept_offer", offer_id, mentor_id)
    assert offer_status(engine, draft["offer_id"]) == "DRAFT"


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "too far away", "extra": 1}, "busy"])
def test_a_decline_needs_a_reason(container, proposed, engine, data):
    with pytest.raises(ValidationFailed):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], data)
    assert offer_status(engine, proposed["offer_id"]) == "PROPOSED"


def test_a_declined_pair_is_never_proposed_again_and_the_mentee_waits(container, proposed):
    declined = call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"],
                    {"reason": "we are from rival clans"})
    assert (declined["status"], declined["reason"]) == ("DECLINED", "we are from rival clans")
    with pytest.raises(NoMentorAvailable, match="1 of 1: declined before"):
        run_round(container)
    other = mentor(container)
    assert [m["mentor_id"] for m in run_round(container)["matches"]] == [other]


def test_accept_is_refused_when_the_mentor_is_at_capacity(container, enroll, engine):
    mentor_id = mentor(container, capacity=2)
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    first, second = (m["offer_id"] for m in call(container, "send_round", run_round(container)["round_id"],
                                                   OFFICER)["matches"])
    with engine.begin() as conn:
        conn.execute(update(Mentor).where(Mentor.id == mentor_id).values(capacity=1))
    call(container, "accept_offer", first, mentor_id)
    with pytest.raises(MentorAtCapacity, match="1 of 1"):
        call(container, "accept_offer", second, mentor_id)
    assert offer_status(engine, second) == "PROPOSED"


def backdate(engine, offer_id, days):
    with engine.begin() as conn:
        conn.execute(update(Offer).where(Offer.id == offer_id).values(
            expires_at=datetime.now(timezone.utc) - timedelta(days=days)))


def test_an_expired_offer_cannot_be_decided_and_the_timer_expires_it(container, proposed, engine):
    backdate(engine, proposed["offer_id"], 1)
    with pytest.raises(OfferExpired):
        call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    with pytest.raises(OfferExpired):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], {"reason": "late"})
    assert offer_status(engine, proposed["offer_id"]) == "PROPOSED"
    assert call(container, "expire_offers") == 1
    assert call(container, "expire_offers") == 0
    [seen] = offers_seen_by(container, proposed["mentor_id"])
    assert (seen["status"], seen["reason"]) == ("EXPIRED", "no answer before the offer expired")
    assert call(container, "list_offers", proposed["mentor_id"])["first_names"] == {}
    [again] = run_round(container)["matches"]  # an expired pair is not barred: the mentee waits
    assert again["participant_id"] == "P-7K3M9Q"


# --- sessions -----------------------------------------------------------------------------------

def test_the_mentor_logs_sessions_of_an_accepted_mentorship(container, proposed, engine):
    offer_id, mentor_id = proposed["offer_id"], proposed["mentor_id"]
    today = datetime.now(timezone.utc).date()
    with pytest.raises(IllegalTransition, match="accepted mentorship"):
        call(container, "log_session", offer_id, mentor_id, {"held_on": today.isoformat(), "topic": "Intro"})
    call(container, "accept_offer", offer_id, mentor_id)
    logged = call(container, "log_session", offer_id, mentor_id,
                  {"held_on": today.isoformat(), "topic": "Pricing a dress", "note": "Went to the market together"})
    assert (logged["held_on"], logged["topic"]) == (today.isoformat(), "Pricing a dress")
    for bad in ({"held_on": (today + timedelta(days=1)).isoformat(), "topic": "Tomorrow"},
                {"held_on": (today - timedelta(days=1)).isoformat(), "topic": "Before it began"},
                {"held_on": today.isoformat(), "topic": "x"},
                {"held_on": today.isoformat(), "topic": "Long note", "note": "n" * 501}):
        with pytest.raises(ValidationFailed):
            call(container, "log_session", offer_id, mentor_id, bad)
    assert call(container, "list_sessions", offer_id, mentor_id) == [logged]
    assert call(container, "list_sessions", offer_id) == [logged]
    assert count(engine, MentoringSession.__table__) == 1


# --- endings ------------------------------------------------------------------------------------

def test_withdrawal_withdraws_drafts_and_sent_offers_once(container, publish, enroll, engine):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    mentor_id = mentor(container, capacity=2)
    matches = {m["participant_id"]: m["offer_id"] for m in run_round(container)["matches"]}
    sent = call(container, "send_offer", matches["P-7K3M9Q"], OFFICER)
    envelope = consent_withdrawn("P-7K3M9Q")
    assert deliver_and_wait(container, publish, "on_consent_withdrawn", envelope) is True
    assert deliver_and_wait(container, publish, "on_consent_withdrawn", envelope) is False
    assert mentee_row(engine, "P-7K3M9Q").consent_active is False
    [seen] = offers_seen_by(container, mentor_id)
    assert (seen["status"], seen["reason"], seen["ended_at"]) == ("WITHDRAWN", "consent withdrawn", None)
    with pytest.raises(IllegalTransition, match="WITHDRAWN"):
        call(container, "accept_offer", sent["offer_id"], mentor_id)
    assert offer_status(engine, matches["P-0AB12C"]) == "DRAFT"  # someone else's draft stays
    assert [m["participant_id"] for m in run_round(container)["matches"]] == ["P-0AB12C"]


def accepted_mentorship(container, participant_id):
    offer = sent_offer(container, participant_id)
    return call(container, "accept_offer", offer["offer_id"], offer["mentor_id"]) | {"mentor_id": offer["mentor_id"]}


@pytest.mark.parametrize("envelope, reason", [
    (consent_withdrawn("P-7K3M9Q"), "CONSENT_WITHDRAWN"),
    (phase_changed("P-7K3M9Q", "AFTERCARE", "CLOSED"), "CASE_CLOSED"),
    (phase_changed("P-7K3M9Q", "AFTERCARE", "WITHDRAWN"), "CASE_WITHDRAWN"),
])
def test_an_accepted_mentorship_ends_announced_and_frees_the_mentor(
        container, publish, enroll, events, envelope, reason):
    mentor_id = mentor(container, capacity=1)
    enroll("P-7K3M9Q", phase="AFTERCARE")
    accepted = accepted_mentorship(container, "P-7K3M9Q")
    call(container, "log_session", accepted["offer_id"], mentor_id,
         {"held_on": datetime.now(timezone.utc).date().isoformat(), "topic": "First visit"})
    enroll("P-0AB12C")
    with pytest.raises(NoMentorAvailable, match="at capacity"):
        run_round(container)

    handler = "on_consent_withdrawn" if envelope.type == "consent.withdrawn" else "on_phase_changed"
    deliver_and_wait(container, publish, handler, envelope)
    [ended] = offers_seen_by(container, mentor_id)
    assert (ended["status"], ended["end_reason"], ended["reason"]) == ("ENDED", reason, None)
    assert ended["decided_at"] == accepted["decided_at"] and ended["ended_at"] is not None
    assert [m["mentor_id"] for m in run_round(container)["matches"]] == [mentor_id]
    received = []
    eventually(lambda: received.extend(events()) or len(received) == 2)
    assert [e["type"] for e in received] == ["mentorship.match_accepted", "mentorship.match_ended"]
    assert received[1]["payload"] | {"ended_at": None} == {
        "offer_id": accepted["offer_id"], "participant_id": "P-7K3M9Q", "mentor_id": mentor_id,
        "reason": reason, "sessions": 1, "ended_at": None}


def test_deactivating_a_mentor_withdraws_offers_ends_mentorships_and_the_mentees_wait(
        container, enroll, engine):
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    mentor_id = mentor(container, capacity=2)
    sent = call(container, "send_round", run_round(container)["round_id"], OFFICER)["matches"]
    call(container, "accept_offer", sent[0]["offer_id"], mentor_id)
    with pytest.raises(ValidationFailed):
        call(container, "deactivate_mentor", mentor_id, {})
    stopped = call(container, "deactivate_mentor", mentor_id, {"reason": "moved to Mogadishu"})
    assert (stopped["active"], stopped["deactivation_reason"], stopped["unavailable"]) == (
        False, "moved to Mogadishu", "deactivated")
    assert [offer_status(engine, o["offer_id"]) for o in sent] == ["ENDED", "WITHDRAWN"]
    with pytest.raises(IllegalTransition):
        call(container, "deactivate_mentor", mentor_id, {"reason": "again"})
    with pytest.raises(IllegalTransition):
        call(container, "update_mentor", mentor_id, {"capacity": 3})
    other = mentor(container, capacity=2)
    assert {m["mentor_id"] for m in run_round(container)["matches"]} == {other}


def test_a_mentor_who_was_a_participant_stops_when_withdrawing_consent(container, publish, enroll):
    enroll("P-0AB12C", phase="CLOSED")
    mentor_id = mentor(container, participant_id="P-0AB12C")
    deliver_and_wait(container, publish, "on_consent_withdrawn", consent_withdrawn("P-0AB12C"))
    gone = call(container, "get_mentor", mentor_id)
    assert (gone["active"], gone["deactivation_reason"]) == (False, "consent withdrawn")


def test_do_not_match_bars_the_pair_and_withdraws_their_offer(container, proposed, engine):
    pair = {"participant_id": "P-7K3M9Q", "mentor_id": proposed["mentor_id"]}
    recorded = call(container, "do_not_match", pair, OFFICER)
    assert (recorded["participant_id"], recorded["recorded_by"]) == ("P-7K3M9Q", OFFICER)
    assert offer_status(engine, proposed["offer_id"]) == "WITHDRAWN"
    with pytest.raises(Conflict, match="already"):
        call(container, "do_not_match", pair, OFFICER)
    with pytest.raises(NoMentorAvailable, match="on the do-not-match list"):
        run_round(container)
    with pytest.raises(UnknownParticipant):
        call(container, "do_not_match", {**pair, "participant_id": "P-ZZZZZZ"}, OFFICER)


# --- races, on PostgreSQL where row locks are real ------------------------------------------

def waiting_for_locks(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))


def racing(engine, first, second):
    """Run `first(session)` in a transaction kept open while `second()` starts, then commit.

    Correct row locking makes `second` wait for that commit and then see it; without
    the lock it runs through on stale data. Returns what `second` returned or raised.
    """
    def capture():
        try:
            return second()
        except Exception as exc:
            return exc
    with Session(engine) as session, session.begin():
        first(session)
        session.flush()
        pending = eventlet.spawn(capture)
        eventually(lambda: pending.dead or waiting_for_locks(engine) == 1)
    return pending.wait()


class TestOnPostgres:
    """Row locks are real here (SQLite ignores FOR UPDATE). Fresh ids and district, so
    nothing depends on the database being empty."""

    @pytest.fixture
    def db_url(self, postgres_urls):
        return postgres_urls["mentorship"]

    @pytest.fixture(autouse=True)
    def kill_before_the_database_is_dropped(self, container):
        """nameko kills factory containers last; a live outbox relay would poll a dropped database."""
        yield
        container.kill()

    @pytest.fixture
    def district(self):
        return new_id("District-")

    def test_two_rounds_in_one_district_run_one_after_the_other(self, container, enroll, engine, district):
        participant_id = new_id("P-")
        enroll(participant_id, district=district)
        mentor(container, district=district)
        result = racing(engine, lambda session: rounds.run(session, district, OFFICER, datetime.now(timezone.utc),
                                                           True),
                        lambda: run_round(container, district))
        assert result["matched"] == 1, result
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Offer).where(
                Offer.participant_id == participant_id, Offer.status == "DRAFT")) == 1

    def test_an_accept_waits_for_one_in_flight_for_the_same_mentor(self, container, enroll, engine, district):
        mentor_id = mentor(container, district=district, capacity=2)
        for _ in range(2):
            enroll(new_id("P-"), district=district)
        first, second = (m["offer_id"] for m in call(
            container, "send_round", run_round(container, district)["round_id"], OFFICER)["matches"])
        with engine.begin() as conn:
            conn.execute(update(Mentor).where(Mentor.id == mentor_id).values(capacity=1))
        result = racing(engine, lambda session: offers.accept(session, first, mentor_id, datetime.now(timezone.utc),
                                                              lambda *events: None),
                        lambda: call(container, "accept_offer", second, mentor_id))
        assert isinstance(result, MentorAtCapacity), result
        assert (offer_status(engine, first), offer_status(engine, second)) == ("ACCEPTED", "PROPOSED")

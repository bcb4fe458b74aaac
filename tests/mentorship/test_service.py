"""The mentorship service in a real nameko container: RPCs through entrypoint hooks,
enrollment's events over RabbitMQ into the inbox-guarded projection."""
from datetime import date, datetime, timedelta, timezone

import eventlet
import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from services.mentorship import offers
from services.mentorship.models import Base, Mentee, Mentor, Offer
from services.mentorship.service import MentorshipService
from shared.contracts import ConsentWithdrawn, ParticipantEnrolled, PhaseChanged
from shared.db import make_engine
from shared.errors import (Conflict, Forbidden, IllegalTransition, NoMentorAvailable, NotEligible,
                           NotFound, UnknownParticipant, ValidationFailed)
from shared.events import new_envelope
from shared.handlers import DEAD_LETTER_QUEUE
from shared.ids import ALPHABET, new_id
from shared.migrations import upgrade
from tests.support import event_publisher, eventually

INBOX = Base.metadata.tables["inbox"]
OFFICER = "officer.amina"


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path}/mentorship.db"
    upgrade("mentorship", url)
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def container(container_factory, rabbit_config, db_url):
    container = container_factory(MentorshipService, {**rabbit_config, "DATABASES": {"mentorship": db_url}})
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


def count(engine, table):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def offer_status(engine, offer_id):
    with engine.connect() as conn:
        return conn.scalar(select(Offer.status).where(Offer.id == offer_id))


# --- mentors -------------------------------------------------------------------------

def test_register_and_get_a_mentor(container):
    data = {"participant_id": "P-0AB12C", "district": "Baidoa", "gender": "F",
            "languages": ["Somali", "somali", "Maay"], "trade": "tailoring", "capacity": 3,
            "vetted": True}
    registered = call(container, "register_mentor", data, OFFICER)
    assert registered["mentor_id"].startswith("M-") and len(registered["mentor_id"]) == 8
    assert set(registered["mentor_id"][2:]) <= set(ALPHABET)
    assert registered["languages"] == ["Somali", "Maay"]
    assert (registered["active"], registered["registered_by"]) == (True, OFFICER)
    assert call(container, "get_mentor", registered["mentor_id"]) == registered


@pytest.mark.parametrize("change", [
    {"capacity": 0}, {"capacity": 21}, {"capacity": "3"}, {"vetted": "yes"}, {"gender": "X"},
    {"languages": []}, {"district": ""}, {"participant_id": "7K3M9Q"}, {"full_name": "Amina Noor"},
])
def test_bad_mentor_data_is_refused_and_nothing_is_stored(container, engine, change):
    data = {"district": "Baidoa", "gender": "F", "languages": ["Somali"], "trade": "tailoring",
            "capacity": 2, "vetted": True, **change}
    with pytest.raises(ValidationFailed):
        call(container, "register_mentor", data, OFFICER)
    assert count(engine, Mentor.__table__) == 0


def test_mentor_data_must_be_an_object(container):
    with pytest.raises(ValidationFailed):
        call(container, "register_mentor", ["Baidoa"], OFFICER)


def test_a_participant_is_registered_as_mentor_once(container):
    first = mentor(container, participant_id="P-0AB12C")
    with pytest.raises(Conflict, match=first):
        mentor(container, participant_id="P-0AB12C")


def test_unknown_mentor_is_not_found(container):
    with pytest.raises(NotFound):
        call(container, "get_mentor", "M-000000")
    with pytest.raises(NotFound):
        call(container, "list_offers", "M-000000")


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
    assert count(engine, Mentee.__table__) == 1


def test_withdrawal_makes_a_mentee_unmatchable(container, publish, enroll, engine):
    enroll("P-7K3M9Q")
    mentor(container)
    applied = deliver_and_wait(container, publish, "on_phase_changed",
                               phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "WITHDRAWN"))
    assert applied is True
    row = mentee_row(engine, "P-7K3M9Q")
    assert (row.phase, row.consent_active) == ("WITHDRAWN", False)
    with pytest.raises(NotEligible, match="withdrawn"):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)
    assert count(engine, Offer.__table__) == 0


def test_no_offer_without_consent_or_for_a_closed_case(container, publish, enroll):
    mentor(container)
    enroll("P-0AB12C", consent_active=False)
    with pytest.raises(NotEligible, match="consent"):
        call(container, "propose_match", "P-0AB12C", OFFICER)
    enroll("P-7K3M9Q", phase="AFTERCARE")
    deliver_and_wait(container, publish, "on_phase_changed", phase_changed("P-7K3M9Q", "AFTERCARE", "CLOSED"))
    with pytest.raises(NotEligible, match="CLOSED"):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


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
            death = message.headers["x-death"][0]
            drained.append((message.properties.get("message_id"), death["queue"], message.payload))
    return drained


def test_a_phase_change_for_an_unseen_participant_is_dead_lettered(
        container, publish, engine, rabbit_config):
    envelope = phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "WITHDRAWN")
    with pytest.raises(UnknownParticipant):
        deliver_and_wait(container, publish, "on_phase_changed", envelope)
    assert eventually(lambda: dead_letters(rabbit_config)) == [(
        envelope.event_id, "evt-enrollment-case.phase_changed--mentorship.on_phase_changed",
        envelope.model_dump(mode="json"))]
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


# --- proposing --------------------------------------------------------------------------

def test_a_mentee_no_event_announced_cannot_be_proposed(container):
    with pytest.raises(UnknownParticipant):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


def test_propose_picks_the_best_mentor_within_the_safeguards(container, enroll):
    enroll("P-7K3M9Q", languages=["Somali", "Maay"])
    mentor(container, gender="M", languages=["Somali", "Maay"])          # a man
    mentor(container, district="Kismayo", languages=["Somali", "Maay"])  # elsewhere
    mentor(container, vetted=False, languages=["Somali", "Maay"])        # not vetted
    weaker = mentor(container, trade="carpentry", languages=["Maay"])
    best = mentor(container, languages=["Somali"])

    offer = call(container, "propose_match", "P-7K3M9Q", OFFICER)
    assert (offer["mentor_id"], offer["participant_id"], offer["status"], offer["score"]) == (
        best, "P-7K3M9Q", "PROPOSED", 4)
    assert offer["factors"] == [{"factor": "shared_trade", "value": "tailoring", "points": 3},
                                {"factor": "shared_language", "value": "Somali", "points": 1}]
    assert offer["offer_id"].startswith("O-")
    assert call(container, "list_offers", weaker) == []


def test_a_mentee_gets_one_open_offer_at_a_time(container, enroll, engine):
    enroll("P-7K3M9Q")
    mentor(container)
    mentor(container)
    first = call(container, "propose_match", "P-7K3M9Q", OFFICER)
    with pytest.raises(Conflict, match=first["offer_id"]):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)
    assert count(engine, Offer.__table__) == 1


def test_no_mentor_available_explains_every_exclusion(container, enroll, engine):
    enroll("P-0AB12C", gender="M")
    full = mentor(container, capacity=1)
    call(container, "propose_match", "P-0AB12C", OFFICER)
    man = mentor(container, gender="M")
    unvetted = mentor(container, vetted=False)
    enroll("P-7K3M9Q")
    with pytest.raises(NoMentorAvailable) as error:
        call(container, "propose_match", "P-7K3M9Q", OFFICER)
    message = error.value.message
    assert message.startswith("no suitable mentor for P-7K3M9Q: ")
    assert f"{full}: at capacity (1 of 1)" in message
    assert f"{man}: women are matched with women mentors only" in message
    assert f"{unvetted}: not vetted" in message
    assert count(engine, Offer.__table__) == 1


def test_no_mentor_in_the_district(container, enroll):
    enroll("P-7K3M9Q", district="Garbahaarey")
    mentor(container)
    with pytest.raises(NoMentorAvailable, match="no mentor is registered in Garbahaarey"):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


# --- deciding offers ----------------------------------------------------------------------

@pytest.fixture
def proposed(container, enroll):
    """One PROPOSED offer for P-7K3M9Q to the only mentor in Baidoa."""
    enroll("P-7K3M9Q")
    mentor(container)
    return call(container, "propose_match", "P-7K3M9Q", OFFICER)


def test_a_mentor_sees_offers_with_a_minimal_mentee_view(container, proposed):
    listed = call(container, "list_offers", proposed["mentor_id"])
    assert [offer["offer_id"] for offer in listed] == [proposed["offer_id"]]
    assert listed[0]["mentee"] == {"participant_id": "P-7K3M9Q", "district": "Baidoa",
                                   "livelihood_interest": "tailoring"}


def test_accept_once_and_no_other_offer_after(container, proposed):
    accepted = call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    assert accepted["status"] == "ACCEPTED" and accepted["decided_at"] is not None
    with pytest.raises(IllegalTransition):
        call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    with pytest.raises(IllegalTransition):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"],
             {"reason": "changed mind"})
    with pytest.raises(Conflict):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


def test_another_mentor_cannot_decide_an_offer(container, proposed, engine):
    intruder = mentor(container, district="Kismayo")
    with pytest.raises(Forbidden):
        call(container, "accept_offer", proposed["offer_id"], intruder)
    with pytest.raises(Forbidden):
        call(container, "decline_offer", proposed["offer_id"], intruder, {"reason": "not mine"})
    assert offer_status(engine, proposed["offer_id"]) == "PROPOSED"


def test_unknown_offer_is_not_found(container, proposed):
    with pytest.raises(NotFound):
        call(container, "accept_offer", "O-000000", proposed["mentor_id"])


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "too far away", "extra": 1}, "busy"])
def test_a_decline_needs_a_reason(container, proposed, engine, data):
    with pytest.raises(ValidationFailed):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], data)
    assert offer_status(engine, proposed["offer_id"]) == "PROPOSED"


def test_a_declined_pair_is_never_proposed_again(container, proposed):
    declined = call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"],
                    {"reason": "we are from rival clans"})
    assert (declined["status"], declined["decline_reason"]) == ("DECLINED", "we are from rival clans")
    with pytest.raises(NoMentorAvailable, match=f"{proposed['mentor_id']}: declined this mentee before"):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)
    other = mentor(container)
    assert call(container, "propose_match", "P-7K3M9Q", OFFICER)["mentor_id"] == other


def test_accept_is_refused_when_the_mentor_is_at_capacity(container, enroll, engine):
    """Proposals already respect capacity; this guards a capacity lowered after proposing."""
    mentor_id = mentor(container, capacity=2)
    enroll("P-7K3M9Q")
    enroll("P-0AB12C")
    first = call(container, "propose_match", "P-7K3M9Q", OFFICER)
    second = call(container, "propose_match", "P-0AB12C", OFFICER)
    with engine.begin() as conn:
        conn.execute(update(Mentor).where(Mentor.id == mentor_id).values(capacity=1))
    call(container, "accept_offer", first["offer_id"], mentor_id)
    with pytest.raises(Conflict, match="1 of 1"):
        call(container, "accept_offer", second["offer_id"], mentor_id)
    assert offer_status(engine, second["offer_id"]) == "PROPOSED"


def test_a_withdrawn_case_withdraws_its_open_offer(container, publish, proposed):
    deliver_and_wait(container, publish, "on_phase_changed",
                     phase_changed("P-7K3M9Q", "ENTRY_ASSESSMENT", "WITHDRAWN"))
    [listed] = call(container, "list_offers", proposed["mentor_id"])
    assert (listed["status"], listed["decline_reason"]) == ("WITHDRAWN", "case withdrawn")
    with pytest.raises(IllegalTransition):
        call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    with pytest.raises(NotEligible):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


# --- consent withdrawn ---------------------------------------------------------------------

def consent_withdrawn(participant_id):
    return new_envelope("enrollment", ConsentWithdrawn(
        participant_id=participant_id, withdrawn_on=date(2026, 11, 20), recorded_by=OFFICER))


def test_withdrawal_withdraws_a_proposed_offer_once_and_the_mentor_cannot_accept_it(
        container, publish, proposed, engine):
    envelope = consent_withdrawn("P-7K3M9Q")
    assert deliver_and_wait(container, publish, "on_consent_withdrawn", envelope) is True
    assert deliver_and_wait(container, publish, "on_consent_withdrawn", envelope) is False
    assert mentee_row(engine, "P-7K3M9Q").consent_active is False
    [listed] = call(container, "list_offers", proposed["mentor_id"])
    assert (listed["status"], listed["decline_reason"], listed["ended_at"]) == (
        "WITHDRAWN", "consent withdrawn", None)
    assert listed["decided_at"] is not None
    with pytest.raises(IllegalTransition, match="WITHDRAWN"):
        call(container, "accept_offer", proposed["offer_id"], proposed["mentor_id"])
    with pytest.raises(IllegalTransition):
        call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], {"reason": "too late"})
    with pytest.raises(NotEligible, match="withdrawn consent"):
        call(container, "propose_match", "P-7K3M9Q", OFFICER)


def test_withdrawal_ends_an_accepted_mentorship_and_frees_the_mentor(container, publish, enroll):
    mentor_id = mentor(container, capacity=1)
    enroll("P-7K3M9Q")
    offer = call(container, "propose_match", "P-7K3M9Q", OFFICER)
    accepted = call(container, "accept_offer", offer["offer_id"], mentor_id)
    enroll("P-0AB12C")
    with pytest.raises(NoMentorAvailable, match="at capacity"):
        call(container, "propose_match", "P-0AB12C", OFFICER)

    deliver_and_wait(container, publish, "on_consent_withdrawn", consent_withdrawn("P-7K3M9Q"))
    [ended] = call(container, "list_offers", mentor_id)
    assert (ended["status"], ended["end_reason"], ended["decline_reason"]) == ("ENDED", "consent withdrawn", None)
    assert ended["decided_at"] == accepted["decided_at"] and ended["ended_at"] is not None
    assert call(container, "propose_match", "P-0AB12C", OFFICER)["mentor_id"] == mentor_id


def test_withdrawal_leaves_other_mentees_and_closed_offers_alone(container, publish, proposed, enroll, engine):
    declined = call(container, "decline_offer", proposed["offer_id"], proposed["mentor_id"], {"reason": "too far"})
    enroll("P-0AB12C")
    other = call(container, "propose_match", "P-0AB12C", OFFICER)
    deliver_and_wait(container, publish, "on_consent_withdrawn", consent_withdrawn("P-7K3M9Q"))
    assert offer_status(engine, declined["offer_id"]) == "DECLINED"
    assert offer_status(engine, other["offer_id"]) == "PROPOSED"
    assert mentee_row(engine, "P-0AB12C").consent_active is True


def test_a_withdrawal_for_an_unseen_participant_is_dead_lettered(container, publish, engine, rabbit_config):
    envelope = consent_withdrawn("P-7K3M9Q")
    with pytest.raises(UnknownParticipant):
        deliver_and_wait(container, publish, "on_consent_withdrawn", envelope)
    assert eventually(lambda: dead_letters(rabbit_config)) == [(
        envelope.event_id, "evt-enrollment-consent.withdrawn--mentorship.on_consent_withdrawn",
        envelope.model_dump(mode="json"))]
    assert count(engine, INBOX) == 0


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

    def test_a_proposal_waits_for_one_in_flight_for_the_same_mentee(
            self, container, enroll, engine, district):
        participant_id = new_id("P-")
        enroll(participant_id, district=district)
        mentor(container, district=district)
        mentor(container, district=district)
        result = racing(engine, lambda session: offers.propose(session, participant_id, OFFICER),
                        lambda: call(container, "propose_match", participant_id, OFFICER))
        assert isinstance(result, Conflict), result
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Offer).where(
                Offer.participant_id == participant_id)) == 1

    def test_an_accept_waits_for_one_in_flight_for_the_same_mentor(
            self, container, enroll, engine, district):
        mentor_id = mentor(container, district=district, capacity=2)
        offer_ids = []
        for _ in range(2):
            participant_id = new_id("P-")
            enroll(participant_id, district=district)
            offer_ids.append(call(container, "propose_match", participant_id, OFFICER)["offer_id"])
        with engine.begin() as conn:
            conn.execute(update(Mentor).where(Mentor.id == mentor_id).values(capacity=1))
        first, second = offer_ids
        result = racing(engine, lambda session: offers.accept(session, first, mentor_id),
                        lambda: call(container, "accept_offer", second, mentor_id))
        assert isinstance(result, Conflict), result
        assert (offer_status(engine, first), offer_status(engine, second)) == ("ACCEPTED", "PROPOSED")

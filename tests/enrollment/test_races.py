"""Two officers doing the same thing at the same moment, on PostgreSQL: exactly one wins,
the other gets a typed conflict that says what happened, and nothing is written twice."""
import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.enrollment import corrections, coursework, csv_import, participants
from services.enrollment.models import Base, Course, HeldEnrollment, Participant
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import CorrectPersonalData, CreateCourse, EnrollParticipant
from services.enrollment.service import RACES
from shared.config import load
from shared.db import make_engine
from shared.contracts import ParticipantEnrolled
from shared.errors import ConcurrentUpdate, Conflict
from shared.events import new_envelope
from shared.store import UnitOfWork
from shared.validation import parse
from tests.enrollment.conftest import PERSON
from tests.races import one_won, race_in


@pytest.fixture
def engine(postgres_engine):
    return postgres_engine


def test_two_officers_creating_the_same_course_at_once(engine):
    def create(session, _emit):
        coursework.create_course(session, CreateCourse(code="FL-101", track="FINANCIAL_LITERACY", title="Money"))
    lost = one_won(race_in(lambda: UnitOfWork(engine, Base.metadata, "enrollment", RACES), create, create))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost) == ("this course was created by someone else at the same moment; nothing was changed by "
                         "this request: reload and look before trying again")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 1


def unit_of_work(engine):
    return UnitOfWork(engine, Base.metadata, "enrollment", RACES)


def enrolling(desk_keys, outcomes: list, **changes):
    """An officer enrolling PERSON (with `changes`); the outcome goes into `outcomes`."""
    vault, index = desk_keys
    command = parse(EnrollParticipant, {**PERSON, **changes})
    return lambda session, emit: outcomes.append(participants.enroll(session, vault, index, command, "officer-a", emit))


@pytest.fixture
def desk_keys():
    settings = load()["ENROLLMENT"]
    return PiiVault(settings["pii_key"]), BlindIndex(settings["blind_index_key"])


def counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in (Participant, HeldEnrollment))


def test_two_officers_enrolling_the_same_person_at_once_make_one_participant(engine, desk_keys):
    outcomes = []
    assert race_in(lambda: unit_of_work(engine), enrolling(desk_keys, outcomes),
                   enrolling(desk_keys, outcomes)) == ["won", "won"]
    first, second = outcomes
    assert (first.status, second.status) == (participants.CREATED, participants.ALREADY_ENROLLED)
    assert second.participant_id == first.participant_id
    assert counts(engine) == (1, 0)


def test_the_same_national_id_enrolled_at_once_with_another_phone_is_held(engine, desk_keys):
    outcomes = []
    race_in(lambda: unit_of_work(engine), enrolling(desk_keys, outcomes),
            enrolling(desk_keys, outcomes, phone="+252 61 555 0999", full_name="Amina Hassan"))
    assert [o.status for o in outcomes] == [participants.CREATED, participants.POSSIBLE_DUPLICATE]
    assert [c.participant_id for c in outcomes[1].candidates] == [outcomes[0].participant_id]
    assert counts(engine) == (1, 1)


def test_the_same_file_imported_twice_at_once_creates_each_person_once(engine, desk_keys, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK", 2)  # three chunks each, so the imports interleave
    people = [f"Person {n},+252 61 555 01{n:02},SO-{n},1999-04-1{n},F,Kismayo,so,,NSC-{n},2026-09-01\n"
              for n in range(1, 7)]
    data = (",".join(csv_import.COLUMNS) + "\n" + "".join(people)).encode()

    def importing():
        unit = unit_of_work(engine)
        try:
            return csv_import.import_rows(unit.transaction, *desk_keys, data, "officer-a", unit.emit,
                                          pause=lambda: eventlet.sleep(0.05))
        finally:
            unit.close()
    first, second = (racer.wait() for racer in [eventlet.spawn(importing), eventlet.spawn(importing)])
    for one, other in zip(first, second):
        assert sorted([one.status, other.status]) == [participants.ALREADY_ENROLLED, participants.CREATED]
        assert one.participant_id == other.participant_id
    assert counts(engine) == (6, 0)


def test_on_sqlite_the_second_enrollment_of_the_same_person_waits_and_sees_the_first(db_url, desk_keys):
    """SQLite serialises writers: the claim is each enrollment's first write, so the second
    queues before it reads. Real threads (not green ones): SQLite's wait blocks its thread."""
    threading, time = eventlet.patcher.original("threading"), eventlet.patcher.original("time")
    outcomes, engines = [], [make_engine(db_url) for _ in range(2)]

    def enroll(engine):
        unit = unit_of_work(engine)
        with unit.transaction() as session:
            enrolling(desk_keys, outcomes)(session, unit.emit)
            time.sleep(0.3)
        unit.close()
    racers = [threading.Thread(target=enroll, args=(engine,)) for engine in engines]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(o.status for o in outcomes) == [participants.ALREADY_ENROLLED, participants.CREATED]
    assert counts(engines[0]) == (1, 0)
    for engine in engines:
        engine.dispose()


def test_an_event_handler_losing_a_race_raises_a_conflict_saying_what_happened(engine):
    """Two events applied at once that create the same course: the loser's ConcurrentUpdate is
    what its consumer dead-letters as the reason, not a raw integrity error."""
    def apply():
        def create(session, _payload):
            coursework.create_course(session, CreateCourse(code="FL-101", track="FINANCIAL_LITERACY", title="Money"))
            session.flush()
            eventlet.sleep(0.3)
        unit = unit_of_work(engine)
        envelope = new_envelope("mentorship", ParticipantEnrolled(
            participant_id="P-7K3M9Q", district="Kismayo", gender="F", languages=["so"], phase="ENTRY_ASSESSMENT",
            consent_active=True, enrolled_on="2026-11-23"))
        try:
            return unit.apply_once(envelope.model_dump(mode="json"), "enrollment.test", create)
        except ConcurrentUpdate as lost:
            return lost
        finally:
            unit.close()
    outcomes = [racer.wait() for racer in [eventlet.spawn(apply) for _ in range(2)]]
    [lost] = [outcome for outcome in outcomes if outcome is not True]
    assert outcomes.count(True) == 1 and isinstance(lost, ConcurrentUpdate), outcomes
    assert str(lost).startswith("this course was created by someone else at the same moment")


def test_a_correction_and_an_enrollment_of_the_phone_it_gives_at_once_never_both_pass(engine, desk_keys):
    """One officer corrects a participant's phone to the number another officer is enrolling
    someone with: the later of the two sees the earlier (refused, or held), never neither."""
    vault, index = desk_keys
    with Session(engine, expire_on_commit=False) as session, session.begin():
        [existing] = participants.create_many(
            session, vault, [(participants.blind_keys(index, parse(EnrollParticipant, PERSON)),
                              parse(EnrollParticipant, PERSON))], "officer-a", lambda *events: None)
    phone, outcomes = "+252 61 555 0999", []

    def correct(session, _emit):
        corrections.correct(session, vault, index, existing, CorrectPersonalData(phone=phone, reason="typo"), "officer-a")
    results = race_in(lambda: unit_of_work(engine), correct, enrolling(
        desk_keys, outcomes, full_name="Halima Ali", national_id="SO-2000-1", date_of_birth="2000-05-05", phone=phone))
    corrected, [enrolled] = results[0] == "won", outcomes
    assert (corrected, enrolled.status) in {(True, participants.POSSIBLE_DUPLICATE),
                                            (False, participants.CREATED)}, (results, enrolled)
    assert corrected or isinstance(results[0], Conflict)

"""The livelihoods service in a real nameko container, fed enrollment's attendance and
consent events over RabbitMQ by hand; each redelivery is applied once."""
from datetime import date, datetime, timezone

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.livelihoods import programmes
from services.livelihoods.models import Base, ParticipantFacts
from services.livelihoods.schemas import CreateProgramme
from services.livelihoods.service import LivelihoodsService
from shared.contracts import AttendanceRecorded, ConsentWithdrawn, ParticipantEnrolled
from shared.db import make_engine
from shared.dead_letters import list_dead_letters, replay_dead_letters
from shared.errors import NotEligible, UnknownParticipant
from shared.events import new_envelope
from shared.validation import parse
from tests.livelihoods.conftest import fund, programme_command
from tests.support import event_publisher, eventually

PID, OTHER = "P-7K3M9Q", "P-0AB12C"
INBOX = Base.metadata.tables["inbox"]
OUTBOX = Base.metadata.tables["outbox"]
PLAN = {"summary": "A tailoring stall in the market", "trade": "tailoring",
        "budget_lines": [{"item": "sewing machine", "amount": "300.00"}]}


@pytest.fixture
def engine(config):
    engine = make_engine(config["DATABASES"]["livelihoods"])
    yield engine
    engine.dispose()


@pytest.fixture
def container(config, container_factory):
    container = container_factory(LivelihoodsService, config)
    container.start()
    return container


@pytest.fixture
def publish(config):
    return event_publisher(config["AMQP_URI"], "enrollment")


@pytest.fixture
def deliver(container, publish):
    """Publish and return what the handler returned (or raise what it raised)."""
    def send(handler, envelope):
        with entrypoint_waiter(container, handler) as result:
            publish(envelope)
        return result.get()
    return send


def call(container, method, *args):
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


def enrolled(participant_id=PID):
    return new_envelope("enrollment", ParticipantEnrolled(
        participant_id=participant_id, district="Kismayo", gender="F", languages=["so"],
        phase="EXIT_ASSESSMENT", consent_active=True, enrolled_on=date(2026, 9, 1)))


def session_record(day, present=(), absent=()):
    return new_envelope("enrollment", AttendanceRecorded(
        cohort_id="C-12", track="FINANCIAL_LITERACY", session_date=date(2026, 9, day),
        present=list(present), absent=list(absent), recorded_at=datetime.now(timezone.utc)))


def withdrawn(participant_id=PID):
    return new_envelope("enrollment", ConsentWithdrawn(
        participant_id=participant_id, withdrawn_on=date(2026, 10, 5), recorded_by="officer-a"))


def add_programme(engine, conditions):
    """Straight into the database: through the RPC its programme.created event would wait
    for a ledger that is not running here."""
    with Session(engine, expire_on_commit=False) as session:
        with session.begin():
            programmes.create(session, parse(CreateProgramme, programme_command(conditions)), "admin", [].append)
        fund(session)


def count(engine, statement):
    with engine.connect() as conn:
        return conn.scalar(statement)


def applied(engine, consumer):
    return count(engine, select(func.count()).select_from(INBOX).where(INBOX.c.consumer == consumer))


def test_attendance_marks_drive_eligibility_and_a_redelivered_session_is_applied_once(
        container, deliver, engine):
    deliver("on_participant_enrolled", enrolled())
    add_programme(engine, [{"type": "min_attendance", "percent": 80}])
    records = [session_record(day, present=[PID] if day < 13 else [OTHER],
                              absent=[OTHER] if day < 13 else [PID]) for day in range(10, 15)]
    for record in records:
        assert deliver("on_attendance_recorded", record) is True
    assert deliver("on_attendance_recorded", records[3]) is False
    assert applied(engine, "livelihoods.attendance_recorded") == 5

    [condition] = call(container, "eligibility", "LG-2026", PID)["conditions"]
    assert condition["reason"] == "attendance 60 % < 80 % in FINANCIAL_LITERACY cohort C-12"

    assert deliver("on_attendance_recorded", session_record(13, present=[PID])) is True
    report = call(container, "eligibility", "LG-2026", PID)
    assert report["eligible"], report


@pytest.fixture
def approved(container, deliver, engine):
    """An APPROVED grant under a programme whose conditions do not mention consent."""
    deliver("on_participant_enrolled", enrolled())
    add_programme(engine, [{"type": "phase_in", "phases": ["EXIT_ASSESSMENT"]}])
    gid = call(container, "create_application", {
        "programme": "LG-2026", "participant_id": PID, "amount": "350.00", "currency": "USD",
        "business_plan": PLAN}, "officer-a")["application_id"]
    call(container, "submit_application", gid, "officer-a")
    assert call(container, "approve_application", gid, "officer-b", "officer")["status"] == "APPROVED"
    return gid


def test_consent_withdrawn_is_applied_once_and_stops_the_release(container, deliver, engine, approved):
    envelope = withdrawn()
    assert deliver("on_consent_withdrawn", envelope) is True
    assert deliver("on_consent_withdrawn", envelope) is False
    assert applied(engine, "livelihoods.consent_withdrawn") == 1
    assert count(engine, select(ParticipantFacts.consent_active)) is False

    with pytest.raises(NotEligible, match="withdrawn consent"):
        call(container, "release_application", approved, "finance")
    assert call(container, "get_application", approved)["status"] == "APPROVED"
    assert count(engine, select(func.count()).select_from(OUTBOX).where(
        OUTBOX.c.event_type == "disbursement.requested")) == 0


def test_a_withdrawal_before_the_enrollment_waits_in_the_dead_letters_for_a_replay(
        container, deliver, engine, config):
    early = withdrawn()
    with pytest.raises(UnknownParticipant):
        deliver("on_consent_withdrawn", early)
    eventually(lambda: [d.event_id for d in list_dead_letters(config["AMQP_URI"])] == [early.event_id])
    assert applied(engine, "livelihoods.consent_withdrawn") == 0

    deliver("on_participant_enrolled", enrolled())
    with entrypoint_waiter(container, "on_consent_withdrawn") as result:
        assert replay_dead_letters(config["AMQP_URI"]) == 1
    assert result.get() is True
    assert count(engine, select(ParticipantFacts.consent_active)) is False

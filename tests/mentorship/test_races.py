"""Two people doing the same thing at the same moment, on PostgreSQL: exactly one wins, the
other gets a typed conflict that says what happened, and nothing is written twice."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.mentorship import mentors, offers
from services.mentorship.models import Base, Mentee, Mentor, Offer
from services.mentorship.schemas import RegisterMentor
from services.mentorship.service import RACES
from shared.db import make_engine
from shared.errors import ConcurrentUpdate, MentorAtCapacity
from shared.store import UnitOfWork
from tests.races import one_won, race_in

OUTBOX = Base.metadata.tables["outbox"]
NOW = datetime.now(timezone.utc)


@pytest.fixture
def engine(postgres_urls):
    engine = make_engine(postgres_urls["mentorship"])
    yield engine
    engine.dispose()


def racing(engine, *actions) -> list:
    return race_in(lambda: UnitOfWork(engine, Base.metadata, "mentorship", RACES), *actions)


def count(engine, statement) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(statement.subquery()))


def mentee(participant_id: str, phase: str = "AFTERCARE") -> Mentee:
    return Mentee(participant_id=participant_id, district="Baidoa", gender="F", languages=["Somali"],
                  livelihood_interest="tailoring", birth_cohort=1995, phase=phase, consent_active=True)


def test_two_acceptances_against_a_mentors_last_place(engine):
    with Session(engine) as session, session.begin():
        session.add_all([mentee("P-7K3M9Q"), mentee("P-7K3M9R")])
        session.add(Mentor(id="M-LAST01", district="Baidoa", gender="F", languages=["Somali"], trade="tailoring",
                           capacity=1, vetted=True, active=True, registered_by="officer", registered_at=NOW))
        session.flush()
        session.add_all([Offer(id=offer_id, mentor_id="M-LAST01", participant_id=pid, status=offers.PROPOSED,
                               score=10, factors=[], proposed_by="officer", proposed_at=NOW, sent_by="officer",
                               sent_at=NOW, expires_at=NOW + timedelta(days=14))
                         for offer_id, pid in (("O-FIRST1", "P-7K3M9Q"), ("O-SECOND", "P-7K3M9R"))])

    def accept(offer_id):
        return lambda session, emit: offers.accept(session, offer_id, "M-LAST01", datetime.now(timezone.utc), emit)
    lost = one_won(racing(engine, accept("O-FIRST1"), accept("O-SECOND")))
    assert isinstance(lost, MentorAtCapacity)
    assert str(lost) == "M-LAST01 already mentors 1 of 1 participants"
    assert count(engine, select(Offer).where(Offer.status == offers.ACCEPTED)) == 1
    assert count(engine, select(OUTBOX).where(OUTBOX.c.event_type == "mentorship.match_accepted")) == 1


def test_two_officers_registering_the_same_former_participant_as_mentor(engine):
    with Session(engine) as session, session.begin():
        session.add(mentee("P-7K3M9Q", phase=mentors.COMPLETED_PHASE))
    command = RegisterMentor(participant_id="P-7K3M9Q", district="Baidoa", gender="F", languages=["Somali"],
                             trade="tailoring", capacity=2, vetted=True)

    def register(session, _emit):
        mentors.register(session, command, "officer")
        session.flush()
    lost = one_won(racing(engine, register, register))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost) == ("this participant was registered as a mentor by someone else at the same moment; nothing "
                         "was changed by this request: reload and look before trying again")
    assert count(engine, select(Mentor).where(Mentor.participant_id == "P-7K3M9Q")) == 1

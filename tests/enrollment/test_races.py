"""Two officers doing the same thing at the same moment, on PostgreSQL: exactly one wins,
the other gets a typed conflict that says what happened, and nothing is written twice."""
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.enrollment import coursework
from services.enrollment.models import Base, Course
from services.enrollment.schemas import CreateCourse
from services.enrollment.service import RACES
from shared.db import make_engine
from shared.errors import ConcurrentUpdate
from shared.store import UnitOfWork
from tests.races import one_won, race_in


@pytest.fixture
def engine(postgres_urls):
    engine = make_engine(postgres_urls["enrollment"])
    yield engine
    engine.dispose()


def test_two_officers_creating_the_same_course_at_once(engine):
    def create(session, _emit):
        coursework.create_course(session, CreateCourse(code="FL-101", track="FINANCIAL_LITERACY", title="Money"))
    lost = one_won(race_in(lambda: UnitOfWork(engine, Base.metadata, "enrollment", RACES), create, create))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost) == ("this course was created by someone else at the same moment; nothing was changed by "
                         "this request: reload and look before trying again")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 1

"""Two admins, or two sign-ins, at the same moment on PostgreSQL: the loser of a race the
database settles gets a typed conflict (409) saying what happened, never a 500."""
import eventlet
import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.gateway import accounts, throttle
from services.gateway.accounts import CreateUser
from services.gateway.models import Base, SignInThrottle, User
from services.gateway.service import GatewayService
from shared.errors import ConcurrentUpdate, Unauthenticated
from shared.store import UnitOfWork
from tests.gateway.conftest import PASSWORD
from tests.races import migrated_postgres, one_won, race_in
from tests.support import bootstrap_admin


@pytest.fixture
def engine():
    with migrated_postgres("gateway") as engine:
        yield engine


def test_two_admins_creating_the_same_username_at_once(engine):
    def create(session, _emit):
        accounts.create_user(session, CreateUser(username="amina", role="officer", district="Kismayo",
                                                 password=PASSWORD), {})
    lost = one_won(race_in(lambda: UnitOfWork(engine, Base.metadata, "gateway", accounts.RACES), create, create))
    assert isinstance(lost, ConcurrentUpdate)
    assert str(lost).startswith("an account with this username was created by someone else at the same moment; "
                                "nothing was changed by this request")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_two_wrong_passwords_at_once_from_a_new_address_are_refused_not_a_fault(engine, monkeypatch):
    """Both attempts find no delay row for the address and both add one: the loser's insert
    hits the winner's key. Each counts its failure once both have checked the password."""
    counted, count = [], throttle.failed

    def count_together(*args):
        counted.append(args)
        while len(counted) < 2:
            eventlet.sleep(0.01)
        count(*args)
        eventlet.sleep(0.2)
    monkeypatch.setattr(throttle, "failed", count_together)

    def sign_in():
        with Session(engine, expire_on_commit=False) as session:
            try:
                accounts.sign_in(session, "nobody", "not the password", accounts.DEFAULTS, "req", "198.51.100.7")
            except (Unauthenticated, ConcurrentUpdate) as refused:
                return refused
    outcomes = sorted((racer.wait() for racer in [eventlet.spawn(sign_in) for _ in range(2)]),
                      key=lambda refused: type(refused).__name__)
    assert [type(refused) for refused in outcomes] == [ConcurrentUpdate, Unauthenticated], outcomes
    assert str(outcomes[0]).startswith("another sign-in attempt from this address was counted at the same moment")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 2  # the account's, the address's


@pytest.mark.parametrize("base_config", ["postgres"], indirect=True)
def test_over_http_one_admin_gets_201_the_other_409(config, runner_factory):
    runner_factory(config, GatewayService).start()
    url = f"http://{config['WEB_SERVER_ADDRESS']}/users"
    admins = [bootstrap_admin(config) for _ in range(2)]

    def create(token, username):
        return requests.post(url, json={"username": username, "role": "officer", "district": "Kismayo",
                                        "password": PASSWORD},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
    for username in ("amina", "omar", "halima"):
        answers = [racer.wait() for racer in [eventlet.spawn(create, token, username) for token in admins]]
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        [refused] = [a.json() for a in answers if a.status_code == 409]
        assert refused["error"] in ("CONFLICT", "CONCURRENT_UPDATE"), refused

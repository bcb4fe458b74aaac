"""One account per role, each with a password, over the running suite."""
from datetime import timedelta

import pytest

from services.gateway import accounts
from services.gateway.accounts import ROLES

PASSWORD = "correct horse battery staple"
MENTOR_ID = "M-TEST01"


@pytest.fixture
def people(suite):
    """{role: client signed in as that role's account}, plus "admin" (the suite's own)."""
    clients = {"admin": suite}
    for role in ROLES:
        if role != "admin":
            clients[role] = suite.new_user(f"{role}-1", role, password=PASSWORD,
                                           **({"mentor_id": MENTOR_ID} if role == "mentor" else {}))
    return clients


class Clock:
    """The gateway's clock, standing still until a test moves it: a throttle's 1 s delay must
    not pass between two requests just because the machine is slow."""

    def __init__(self):
        self.now = accounts._now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr(accounts, "_now", lambda: frozen.now)
    return frozen

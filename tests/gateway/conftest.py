"""One account per role, each with a password, over the running suite."""
import pytest

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

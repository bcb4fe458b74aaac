"""Sign-in takes as long whatever the account's state: an unknown username, a wrong
password, an inactive account, one without a password yet and one a stranger hammered
from elsewhere all cost one argon2 check, so timing tells nothing about which exist.

The proof is the count of argon2 checks per refusal, which does not depend on the machine;
the times are checked too, loosely: beside the other test part one case's quickest of 15
rounds was once 1.45× another's, and a skipped check makes a refusal about 8× quicker."""
import time

import pytest
import requests

from services.gateway import accounts
from shared.errors import Unauthenticated
from tests.gateway.conftest import PASSWORD
from tests.gateway.test_auth_api import sign_in_from

ROUNDS = 7
NOISE = 3.0  # the slowest case's quickest within 3× the fastest's: well below a skipped check's 8×


class CountingHasher:
    """argon2's hasher, counting the passwords it checks."""

    def __init__(self, real):
        self.real, self.checks = real, 0

    def verify(self, *args):
        self.checks += 1
        return self.real.verify(*args)

    def hash(self, *args):
        return self.real.hash(*args)


@pytest.fixture
def config(config):
    """No delays from the one test address: every attempt below must reach the password check."""
    config["GATEWAY"] = {**config["GATEWAY"], "sign_in_free_attempts": 10_000,
                         "sign_in_free_attempts_per_address": 10_000}
    return config


def test_every_refusal_takes_the_same_time(people, config, monkeypatch):
    admin = people["admin"]
    admin.post("/users", {"username": "gone-1", "role": "officer", "password": PASSWORD}, expect=201)
    admin.call("PATCH", "/users/gone-1", {"active": False}, expect=200)
    admin.post("/users", {"username": "new-1", "role": "officer"}, expect=201)
    for _ in range(10):  # a stranger's guesses against finance-1, from their own address
        with pytest.raises(Unauthenticated):
            sign_in_from(config, "finance-1", "guessing-guessing", "203.0.113.9")
    cases = {"unknown": ("nobody-here", PASSWORD), "wrong password": ("officer-1", "not-the-password"),
             "inactive": ("gone-1", PASSWORD), "no password": ("new-1", PASSWORD),
             "hammered by a stranger": ("finance-1", "not-the-password")}
    hasher = CountingHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", hasher)
    timings = {case: [] for case in cases}
    for _ in range(ROUNDS):
        for case, (username, password) in cases.items():
            checks, started = hasher.checks, time.perf_counter()
            answer = requests.post(f"{admin.base_url}/auth/sign-in", json={"username": username, "password": password},
                                   timeout=30)
            timings[case].append(time.perf_counter() - started)
            assert answer.status_code == 401, (case, answer.text)
            assert hasher.checks - checks == 1, case
    # The quickest of each case: other work on the machine only ever adds time.
    quickest = {case: min(times) for case, times in timings.items()}
    assert max(quickest.values()) < NOISE * min(quickest.values()), quickest
    outcomes = {event["outcome"] for event in admin.get("/audit?limit=100&action=sign-in")["events"]}
    assert {"401 UNKNOWN_USER", "401 WRONG_PASSWORD", "401 INACTIVE", "401 NO_PASSWORD"} <= outcomes

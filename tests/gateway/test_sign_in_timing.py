"""Sign-in takes as long whatever the account's state: an unknown username, a wrong
password, an inactive account, one without a password yet and one a stranger hammered
from elsewhere all cost one argon2 check, so timing tells nothing about which exist."""
import time

import pytest
import requests

from shared.errors import Unauthenticated
from tests.gateway.conftest import PASSWORD
from tests.gateway.test_auth_api import sign_in_from

ROUNDS = 15  # the quickest of many: 7 rounds beside the other test part were once all slow for one case
NOISE = 1.5  # the slowest case within 1.5× the fastest (a skipped hash is about 8×)


@pytest.fixture
def config(config):
    """No delays from the one test address: every attempt below must reach the password check."""
    config["GATEWAY"] = {**config["GATEWAY"], "sign_in_free_attempts": 10_000,
                         "sign_in_free_attempts_per_address": 10_000}
    return config


def test_every_refusal_takes_the_same_time(people, config):
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
    timings = {case: [] for case in cases}
    for _ in range(ROUNDS):
        for case, (username, password) in cases.items():
            started = time.perf_counter()
            answer = requests.post(f"{admin.base_url}/auth/sign-in", json={"username": username, "password": password},
                                   timeout=30)
            timings[case].append(time.perf_counter() - started)
            assert answer.status_code == 401, (case, answer.text)
    # The quickest of each case: other work on the machine only ever adds time.
    quickest = {case: min(times) for case, times in timings.items()}
    assert max(quickest.values()) < NOISE * min(quickest.values()), quickest
    outcomes = {event["outcome"] for event in admin.get("/audit?limit=100&action=sign-in")["events"]}
    assert {"401 UNKNOWN_USER", "401 WRONG_PASSWORD", "401 INACTIVE", "401 NO_PASSWORD"} <= outcomes

"""Fault switches: 500s before any work, answers held back after it, checked settings."""
import pytest
import requests

from tests.provider.support import payment


def test_a_500_stores_nothing_and_the_same_batch_goes_through_later(provider):
    provider.faults(error_rate=1)
    answer = provider.send([payment(1)], key="batch-1")
    assert answer.status_code == 500 and answer.json() == {"error": "INTERNAL_ERROR",
                                                           "message": "simulated provider fault"}
    provider.faults(error_rate=0)
    assert provider.status("pay-1") == {}
    assert provider.send([payment(1)], key="batch-1").status_code == 202


def test_a_timeout_leaves_the_batch_accepted_and_a_retry_gets_the_same_answer(provider):
    provider.faults(timeout_rate=1, timeout_seconds=2)
    with pytest.raises(requests.Timeout):
        provider.send([payment(1)], key="batch-1", timeout=0.5)
    provider.faults(timeout_rate=0)
    retry = provider.send([payment(1)], key="batch-1")
    assert retry.status_code == 202 and retry.json()["accepted"] == 1
    assert provider.settled("pay-1")["status"] == "SUCCESSFUL"
    assert provider.statement().count("Business payment to") == 1


def test_a_fraction_of_requests_fails_reproducibly(provider):
    provider.faults(error_rate=0.5)
    codes = [provider.get("/v1/float").status_code for _ in range(40)]
    assert set(codes) == {200, 500} and 8 <= codes.count(500) <= 32


@pytest.mark.parametrize("switches", [{"error_rate": 1.5}, {"lost_callback_rate": -0.1}, {"retries": 3},
                                      {"timeout_seconds": "long"}, {"error_rate": True}])
def test_bad_switches_are_refused_and_change_nothing(provider, switches):
    before = provider.get("/_faults").json()
    answer = provider.post("/_faults", switches)
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"
    assert provider.get("/_faults").json() == before


def test_switches_need_the_token(provider):
    assert requests.post(provider.url + "/_faults", json={"error_rate": 1}, timeout=10).status_code == 401
    assert provider.get("/_faults").json()["error_rate"] == 0

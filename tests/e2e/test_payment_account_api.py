"""Payment accounts over HTTP through the gateway, with a real provider process: an officer
of the district sets, verifies and reads the account (masked); another district's officer
gets the 404 of an unknown participant; other roles a 403; every change is audited; the
number never comes back out of the API."""
import pytest
import requests

from services.provider import process
from tests.e2e.test_grant_path import PERSON
from tests.enrollment.test_payment_accounts import GOOD, PROVIDER, SEED
from tests.ports import free_port

PATH = "/participants/{}/payment-account"
MOBILE = {"kind": "MOBILE_MONEY", "msisdn": GOOD, "provider": "SIMMOBILE"}


@pytest.fixture
def provider_url(tmp_path_factory):
    child, url = process.spawn(str(tmp_path_factory.mktemp("provider")), port=free_port(), PROVIDER_SEED=SEED)
    yield url
    child.terminate()
    child.wait(10)


@pytest.fixture
def base_config(base_config, provider_url):
    base_config["ENROLLMENT"]["name_check"] = {"url": provider_url, "timeout_seconds": 2, "retries": 1,
                                               "backoff_factor": 0}
    return base_config


@pytest.fixture
def staff(suite):
    admin = suite
    return {"admin": admin, "kismayo": admin.new_user("officer-k", "officer", "Kismayo"),
            "baidoa": admin.new_user("officer-b", "officer", "Baidoa"),
            "supervisor": admin.new_user("super", "supervisor"), "finance": admin.new_user("fin", "finance"),
            "mentor": admin.new_user("mentor-1", "mentor", mentor_id="M-TEST01")}


def faults(url: str, **switches) -> None:
    requests.post(f"{url}/_faults", json=switches, headers={"Authorization": f"Bearer {PROVIDER['token']}"},
                  timeout=5).raise_for_status()


def test_an_officer_sets_verifies_and_reads_the_account(staff, provider_url):
    kismayo, admin = staff["kismayo"], staff["admin"]
    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    path = PATH.format(pid)
    answers = []

    refused = kismayo.call("PUT", path, {**MOBILE, "msisdn": "061 555 0101"}, expect=400)
    assert refused.json()["error"] == "VALIDATION_ERROR" and "msisdn" in refused.json()["message"]
    assert kismayo.get(path) == {"participant_id": pid, "account": None, "history": []}
    assert kismayo.post(path + "/verify", {}, expect=409)["error"] == "NO_PAYMENT_ACCOUNT"

    answers.append(kismayo.call("PUT", path, MOBILE, expect=200))
    assert answers[-1].json()["account"]["verification"] == "UNVERIFIED"

    faults(provider_url, error_rate=1)
    down = kismayo.call("POST", path + "/verify", {}, expect=503)
    assert down.json()["error"] == "PROVIDER_UNAVAILABLE"
    assert kismayo.get(path)["account"]["verification"] == "UNVERIFIED"
    faults(provider_url, error_rate=0)

    answers.append(kismayo.call("POST", path + "/verify", {}, expect=200))
    answers.append(kismayo.call("GET", path, expect=200))
    shown = answers[-1].json()
    assert (shown["account"]["verification"], shown["account"]["provider_answer"]) == ("VERIFIED", "MATCH")
    assert shown["account"]["masked"] == GOOD[:5] + "\u2022" * 4 + GOOD[-3:]
    assert [(h["action"], h["recorded_by"]) for h in shown["history"]] == [("CHANGED", "officer-k"),
                                                                        ("CHECKED", "officer-k")]
    for answer in answers:
        assert GOOD[1:] not in answer.text and GOOD[-7:] not in answer.text

    trail = admin.get("/audit?limit=500&action=PUT%20/participants")["events"]
    assert sorted((e["username"], e["action"], e["outcome"]) for e in trail) == [
        ("officer-k", "PUT /participants/{participant_id}/payment-account", "200"),
        ("officer-k", "PUT /participants/{participant_id}/payment-account", "400 VALIDATION_ERROR")]
    verifies = admin.get("/audit?limit=500&action=POST%20/participants/{participant_id}/payment-account")["events"]
    assert sorted(e["outcome"] for e in verifies) == ["200", "409 NO_PAYMENT_ACCOUNT", "503 PROVIDER_UNAVAILABLE"]


def test_other_districts_and_other_roles_are_refused_and_nothing_changes(staff):
    kismayo, baidoa, admin = staff["kismayo"], staff["baidoa"], staff["admin"]
    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    path = PATH.format(pid)
    kismayo.call("PUT", path, MOBILE, expect=200)
    before = kismayo.get(path)

    for method, target, body in (("PUT", path, {**MOBILE, "provider": "OTHER"}), ("POST", path + "/verify", {}),
                                 ("GET", path, None)):
        assert baidoa.call(method, target, body, expect=404).json()["error"] == "UNKNOWN_PARTICIPANT"
        for role in ("supervisor", "finance", "mentor"):
            assert staff[role].call(method, target, body, expect=403).json()["error"] == "FORBIDDEN"
        assert admin.call(method, target, body, expect=403).json()["error"] == "FORBIDDEN"
    assert kismayo.get(path) == before

    outcomes = {(e["username"], e["outcome"]) for e in admin.get(
        "/audit?limit=500&action=PUT%20/participants")["events"]}
    assert {("officer-b", "404 UNKNOWN_PARTICIPANT"), ("super", "403 FORBIDDEN"), ("fin", "403 FORBIDDEN"),
            ("mentor-1", "403 FORBIDDEN")} <= outcomes

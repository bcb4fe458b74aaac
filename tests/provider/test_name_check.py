"""The name check a payee registry asks before it trusts an account."""
import pytest

from tests.provider.support import payment


def check(provider, name="Amina Hassan", **account):
    answer = provider.post("/v1/accounts/verify", {**(account or {"msisdn": "256700000001"}), "name": name})
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def test_a_known_account_with_its_holder_matches(provider):
    assert check(provider) == "MATCH"
    assert check(provider, bank_account={"bank_code": "KCB01", "account_number": "0012345678"}) == "MATCH"


def test_the_answer_is_the_same_every_time_and_ignores_case_and_spaces(start_provider):
    provider = start_provider(name_mismatch_rate=0.5)
    answers = {number: check(provider, msisdn=f"25670{number:07d}") for number in range(40)}
    assert set(answers.values()) == {"MATCH", "NO_MATCH"}
    assert answers == {number: check(provider, "  amina   HASSAN ", msisdn=f"25670{number:07d}") for number in range(40)}


def test_an_unknown_account_is_said_and_payments_to_it_fail(start_provider):
    provider = start_provider(unknown_account_rate=1.0)
    assert check(provider) == "UNKNOWN_ACCOUNT"
    provider.send([payment(1, msisdn="256700000001")])
    item = provider.settled("pay-1")
    assert (item["status"], item["reason"]) == ("FAILED", "PAYEE_NOT_FOUND")


@pytest.mark.parametrize("body", [{"msisdn": "256700000001"}, {"msisdn": "256700000001", "name": " "},
                                  {"name": "Amina"}, {"msisdn": "12", "name": "Amina"}, ["Amina"]])
def test_a_malformed_check_is_a_400(provider, body):
    answer = provider.post("/v1/accounts/verify", body)
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"

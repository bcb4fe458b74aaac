"""Batches: acceptance per payment, idempotency of batches and of payments, bad input."""
import pytest
import requests

from tests.provider.support import payment


def test_a_batch_is_accepted_and_each_payment_is_paid_once(provider, receiver):
    answer = provider.send([payment(1), payment(2, amount="1250.00")], receiver.url, key="batch-1")
    assert answer.status_code == 202
    body = answer.json()
    assert (body["batch_id"], body["received"], body["accepted"], body["rejected"]) == ("batch-1", 2, 2, 0)
    assert [item["status"] for item in body["payments"]] == ["ACCEPTED", "ACCEPTED"]
    assert receiver.wait_for(2)
    results = {item["reference_id"]: item for item in receiver.results}
    assert results["pay-2"]["status"] == "SUCCESSFUL" and results["pay-2"]["amount"] == "1250.00"
    assert results["pay-2"]["fee"] == "0.50" and results["pay-2"]["financial_transaction_id"]
    assert provider.get("/v1/float").json() == {"currency": "USD", "balance": "998739.00"}  # 1,000,000 - 10.50 - 1,250.50


def test_the_same_batch_again_gets_the_first_answer_and_pays_nothing_more(provider, receiver):
    first = provider.send([payment(1), payment(2)], receiver.url, key="batch-1")
    assert receiver.wait_for(2)
    again = provider.send([payment(1), payment(2)], receiver.url, key="batch-1")
    assert (again.status_code, again.json()) == (202, first.json())
    assert not receiver.wait_for(3, timeout=0.5)
    assert provider.statement().count("Business payment to") == 2


def test_the_same_batch_key_with_other_content_is_a_conflict(provider):
    assert provider.send([payment(1)], key="batch-1").status_code == 202
    answer = provider.send([payment(1, amount="11.00")], key="batch-1")
    assert answer.status_code == 409
    assert answer.json()["error"] == "IDEMPOTENCY_CONFLICT"


def test_a_payment_reference_used_again_is_never_paid_twice(provider, receiver):
    provider.send([payment(1)], receiver.url, key="batch-1")
    assert receiver.wait_for(1)
    answer = provider.send([payment(1), payment(1, reference_id="pay-1b"), payment(3)], receiver.url, key="batch-2")
    same = answer.json()["payments"][0]
    assert same == {"reference_id": "pay-1", "status": "ACCEPTED", "existing": True, "batch_id": "batch-1",
                    "payment_status": "SUCCESSFUL"}
    changed = provider.send([payment(1, amount="99.00"), payment(4)], receiver.url, key="batch-3").json()
    assert changed["payments"][0]["status"] == "REJECTED"
    assert changed["payments"][0]["error"] == "REFERENCE_CONFLICT"
    assert (changed["accepted"], changed["rejected"]) == (1, 1)
    assert receiver.wait_for(4)
    assert sorted(item["reference_id"] for item in receiver.results) == ["pay-1", "pay-1b", "pay-3", "pay-4"]
    assert provider.statement().count(",pay-1\n") == 2  # one payment line and its charge


def test_a_payment_in_another_currency_is_rejected_alone(provider):
    body = provider.send([payment(1, currency="EUR"), payment(2)]).json()
    assert [item["status"] for item in body["payments"]] == ["REJECTED", "ACCEPTED"]
    assert body["payments"][0]["error"] == "CURRENCY_NOT_SUPPORTED"
    assert list(provider.status("pay-1", "pay-2")) == ["pay-2"]


def test_a_bank_account_payment_is_paid(provider, receiver):
    bank = payment(1, bank_account={"bank_code": "KCB01", "account_number": "0012345678"})
    del bank["msisdn"]
    assert provider.send([bank], receiver.url).status_code == 202
    assert receiver.wait_for(1) and receiver.results[0]["status"] == "SUCCESSFUL"
    assert "bank account ****5678" in provider.statement()


def test_a_batch_of_1001_payments_is_refused_and_nothing_is_stored(provider):
    answer = provider.send([payment(number) for number in range(1001)], key="too-big")
    assert answer.status_code == 400
    assert "at most 1000" in answer.json()["message"]
    assert provider.status("pay-0") == {}
    assert provider.send([payment(number) for number in range(1000)], key="too-big").status_code == 202


BAD_PAYMENTS = {
    "float amount": {"amount": 10.5},
    "three decimals": {"amount": "10.005"},
    "negative amount": {"amount": "-1.00"},
    "not a number": {"amount": "ten"},
    "lowercase currency": {"currency": "usd"},
    "short msisdn": {"msisdn": "1234"},
    "msisdn and bank account": {"bank_account": {"bank_code": "KCB", "account_number": "1234"}},
    "unknown field": {"iban": "x"},
    "bad reference": {"reference_id": "has space"},
    "long note": {"payee_note": "x" * 161},
}


@pytest.mark.parametrize("change", BAD_PAYMENTS.values(), ids=BAD_PAYMENTS.keys())
def test_a_bad_payment_refuses_the_whole_batch(provider, change):
    answer = provider.send([payment(1), payment(2, **change)], key="bad-batch")
    assert answer.status_code == 400
    assert answer.json()["error"] == "VALIDATION_ERROR" and "payments[1]" in answer.json()["message"]
    assert "2567" not in answer.json()["message"]
    assert provider.status("pay-1", "pay-2") == {}
    assert provider.send([payment(1)], key="bad-batch").status_code == 202


@pytest.mark.parametrize("body, headers", [
    (b"{not json", {"X-Reference-Id": "k1"}),
    (b'{"payments": []}', {"X-Reference-Id": "k1"}),
    (b'{"payments": [{"reference_id": "a", "msisdn": "256700000001", "amount": "1.00", "currency": "USD"},'
     b' {"reference_id": "a", "msisdn": "256700000002", "amount": "1.00", "currency": "USD"}]}', {"X-Reference-Id": "k1"}),
    (b'{"payments": [{"reference_id": "a", "msisdn": "256700000001", "amount": "1.00", "currency": "USD"}]}', {}),
    (b'{"callback_url": "ftp://x", "payments": [{"reference_id": "a", "msisdn": "256700000001", "amount": "1.00",'
     b' "currency": "USD"}]}', {"X-Reference-Id": "k1"}),
], ids=["not JSON", "no payments", "reference twice in a batch", "no batch key", "callback not http"])
def test_a_malformed_batch_is_a_400_with_a_json_error(provider, body, headers):
    answer = provider.session.post(provider.url + "/v1/batches", data=body,
                                   headers={"Content-Type": "application/json", **headers})
    assert answer.status_code == 400
    assert answer.json()["error"] == "VALIDATION_ERROR" and answer.json()["message"]
    assert provider.status("a") == {}


@pytest.mark.parametrize("authorization", ["", "Bearer wrong", "ddrr-local-demo-provider-token"])
def test_without_the_bearer_token_nothing_is_answered(provider, authorization):
    answer = requests.post(provider.url + "/v1/batches", json={"payments": [payment(1)]},
                           headers={"Authorization": authorization, "X-Reference-Id": "k1"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["error"] == "UNAUTHENTICATED"
    assert provider.status("pay-1") == {}
    assert requests.get(provider.url + "/health", timeout=10).status_code == 200

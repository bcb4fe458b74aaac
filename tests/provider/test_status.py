"""Status queries, for payments whose callback never came."""
from tests.provider.support import payment


def test_one_payment_pending_then_final(start_provider):
    provider = start_provider(callback_delay_seconds=30)
    provider.send([payment(1)], key="batch-1")
    answer = provider.get("/v1/payments/pay-1")
    assert answer.status_code == 200
    assert answer.json() == {"reference_id": "pay-1", "batch_id": "batch-1", "status": "PENDING", "reason": None,
                             "amount": "10.00", "fee": "0.00", "currency": "USD", "financial_transaction_id": None,
                             "completed_at": None}


def test_an_unknown_payment_is_a_404(provider):
    answer = provider.get("/v1/payments/nobody")
    assert answer.status_code == 404 and answer.json()["error"] == "NOT_FOUND"


def test_bulk_status_answers_thousands_at_once(start_provider):
    provider = start_provider(failure_rate=0.5)
    references = []
    for batch in range(3):
        payments = [payment(batch * 1000 + number) for number in range(1000)]
        assert provider.send(payments).status_code == 202
        references += [item["reference_id"] for item in payments]
    answer = provider.post("/v1/payments/status", {"reference_ids": references + ["nobody"]}).json()
    assert len(answer["payments"]) == 3000 and answer["not_found"] == ["nobody"]
    assert {item["status"] for item in answer["payments"]} <= {"PENDING", "SUCCESSFUL", "FAILED"}
    assert all(item["reason"] for item in answer["payments"] if item["status"] == "FAILED")


def test_bulk_status_refuses_a_malformed_list(provider):
    for body in ({"reference_ids": []}, {"reference_ids": ["ok", 5]}, {"reference_ids": ["x"] * 10001}, ["x"]):
        answer = provider.post("/v1/payments/status", body)
        assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"

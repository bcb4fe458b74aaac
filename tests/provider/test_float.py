"""Float top-ups: idempotent by reference, in the float's currency."""


def test_a_top_up_is_counted_once(provider):
    top_up = {"reference_id": "top-1", "amount": "250.00", "currency": "USD"}
    first = provider.post("/v1/float/topups", top_up)
    assert first.status_code == 201
    assert first.json()["balance"] == "1000250.00" and first.json()["receipt"].startswith("SP")
    again = provider.post("/v1/float/topups", top_up)
    assert (again.status_code, again.json()) == (200, first.json())
    assert provider.get("/v1/float").json()["balance"] == "1000250.00"


def test_a_top_up_reference_with_another_amount_is_a_conflict(provider):
    provider.post("/v1/float/topups", {"reference_id": "top-1", "amount": "250.00", "currency": "USD"})
    answer = provider.post("/v1/float/topups", {"reference_id": "top-1", "amount": "260.00", "currency": "USD"})
    assert answer.status_code == 409 and answer.json()["error"] == "IDEMPOTENCY_CONFLICT"


def test_a_bad_top_up_is_refused(provider):
    for body in ({"reference_id": "t", "amount": "5.00", "currency": "EUR"},
                 {"reference_id": "t", "amount": 5, "currency": "USD"}, {"amount": "5.00", "currency": "USD"}):
        answer = provider.post("/v1/float/topups", body)
        assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"
    assert provider.get("/v1/float").json()["balance"] == "1000000.00"

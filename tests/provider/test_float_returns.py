"""Float money returned to the bank: idempotent by reference, refused beyond the float, and
on the statement as a Withdrawn line the reconciliation importer reads as a return."""
from decimal import Decimal

from services.ledger.reconciliation.importer import read_statement


def test_a_return_is_counted_once_and_is_a_return_line_on_the_statement(provider):
    back = {"reference_id": "ret-1", "amount": "250.00", "currency": "USD"}
    first = provider.post("/v1/float/returns", back)
    assert first.status_code == 201 and first.json()["balance"] == "999750.00"
    assert (provider.post("/v1/float/returns", back).status_code, provider.post("/v1/float/returns", back).json()) \
        == (200, first.json())
    conflict = provider.post("/v1/float/returns", {**back, "amount": "260.00"})
    assert conflict.status_code == 409 and conflict.json()["error"] == "IDEMPOTENCY_CONFLICT"
    [line] = read_statement(provider.statement(), account=provider.settings.statement_account)
    assert (line.reference, line.withdrawn, line.paid_in, line.receipt) == ("ret-1", Decimal("250.00"), 0,
                                                                            first.json()["receipt"])
    assert (line.category, line.is_fee, line.balance) == ("return", False, Decimal("999750.00"))


def test_a_return_beyond_the_float_or_malformed_is_refused_and_moves_nothing(provider):
    answer = provider.post("/v1/float/returns", {"reference_id": "ret-2", "amount": "1000000.01", "currency": "USD"})
    assert answer.status_code == 409 and answer.json()["error"] == "INSUFFICIENT_FUNDS"
    for body in ({"reference_id": "r", "amount": "5.00", "currency": "EUR"}, {"amount": "5.00", "currency": "USD"}):
        answer = provider.post("/v1/float/returns", body)
        assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"
    assert provider.get("/v1/float").json()["balance"] == "1000000.00"
    assert read_statement(provider.statement(), account=provider.settings.statement_account) == []

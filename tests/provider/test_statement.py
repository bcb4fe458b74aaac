"""The statement export is read by the suite's own importer, fees and reversals included."""
from datetime import date, timedelta
from decimal import Decimal

from services.ledger.reconciliation.importer import StatementImporter, read_statement
from services.provider.receiver import CallbackReceiver
from tests.provider.support import payment


def test_the_statement_reads_with_the_reconciliation_importer(start_provider, tmp_path):
    provider = start_provider(failure_rate=0.2, reversal_rate=0.2)
    assert provider.post("/v1/float/topups", {"reference_id": "top-1", "amount": "500.00",
                                               "currency": "USD"}).status_code == 201
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        provider.send([payment(number, amount="12.34") for number in range(100)], receiver.url)
        assert receiver.wait_for(100)
    results = {item["reference_id"]: item for item in receiver.results}
    account = provider.settings.statement_account
    text = provider.statement()
    lines = read_statement(text, account=account)

    paid = {ref for ref, item in results.items() if item["financial_transaction_id"]}
    reversed_ = {ref for ref, item in results.items() if item["reason"] == "REVERSED"}
    assert reversed_ and paid - reversed_
    assert {line.reference for line in lines if line.is_fee} == paid
    assert {line.reference for line in lines if line.is_reversal} == reversed_
    assert all(line.paid_in == Decimal("12.34") for line in lines if line.is_reversal)
    payments = [line for line in lines if line.withdrawn and not line.is_fee]
    assert {line.reference for line in payments} == paid
    assert {line.receipt for line in payments} == {results[ref]["financial_transaction_id"] for ref in paid}
    (top_up,) = [line for line in lines if line.reference == "top-1"]
    assert (top_up.paid_in, top_up.status) == (Decimal("500.00"), "Completed")

    balance = Decimal("1000000.00")
    for line in lines:
        balance += line.paid_in - line.withdrawn
        assert line.balance == balance
    assert provider.get("/v1/float").json()["balance"] == f"{balance:.2f}"

    path = tmp_path / "statement.csv"
    path.write_text(text)
    statements = StatementImporter(account, "USD")
    assert statements.identify(str(path))
    assert len(statements.extract(str(path), [])) == len(paid)


def test_the_statement_covers_the_days_asked_for(provider):
    provider.post("/v1/float/topups", {"reference_id": "top-1", "amount": "5.00", "currency": "USD"})
    today = date.today()
    assert "top-1" in provider.statement(str(today - timedelta(days=1)), str(today + timedelta(days=1)))
    empty = provider.statement(str(today + timedelta(days=1)), str(today + timedelta(days=2)))
    assert empty.splitlines() == [f"Account: {provider.settings.statement_account}",
                                  "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,"
                                  "Other Party Reference"]


def test_the_statement_needs_two_dates_in_order(provider):
    for params in ({}, {"from": "2026-11-01"}, {"from": "2026-11-31", "to": "2026-12-01"},
                   {"from": "2026-12-01", "to": "2026-11-01"}):
        answer = provider.get("/v1/statement", params=params)
        assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"

"""Events are checked against their contract when written, in the JSON form a handler reads."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.contracts import DisbursementCompleted
from shared.events import new_envelope, open_envelope

COMPLETED = {"disbursement_id": "D-1", "idempotency_key": "k-1", "rail_reference": "R-1",
             "amount": Decimal("12.50"), "currency": "USD"}


def test_an_envelope_carries_the_payload_as_a_handler_reads_it():
    envelope = new_envelope("ledger", DisbursementCompleted(**COMPLETED), "req-1")
    opened, payload = open_envelope(envelope.model_dump(mode="json"))
    assert opened == envelope and payload == DisbursementCompleted(**COMPLETED)
    assert (envelope.type, envelope.source, envelope.request_id) == ("disbursement.completed", "ledger", "req-1")


def test_a_payload_that_breaks_its_contract_is_never_written():
    broken = DisbursementCompleted.model_construct(**{**COMPLETED, "amount": "twelve dollars"})
    with pytest.raises(ValidationError):
        new_envelope("ledger", broken)

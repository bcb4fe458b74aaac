"""The provider on PostgreSQL (its production database path): migrated, paying, exporting."""
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from services.provider.receiver import CallbackReceiver
from tests.conftest import PG_ADMIN_URL
from tests.provider.support import payment


@pytest.fixture
def postgres_url():
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ddrr_test_provider_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_batches_callbacks_and_statement_on_postgresql(start_provider, postgres_url):
    provider = start_provider(database_url=postgres_url, reversal_rate=0.3)
    with CallbackReceiver(provider.settings.callback_secret) as receiver:
        first = provider.send([payment(number) for number in range(50)], receiver.url, key="batch-1")
        assert receiver.wait_for(50)
        assert provider.send([payment(number) for number in range(50)], receiver.url, key="batch-1").json() == first.json()
        assert provider.send([payment(1, amount="1.00")], key="batch-1").status_code == 409
    statement = provider.statement().splitlines()
    reversed_ = sum(result["reason"] == "REVERSED" for result in receiver.results)
    assert 0 < reversed_ < 50
    assert len(statement) == 2 + 50 * 2 + reversed_
    paid_out = 50 * Decimal("10.50") - reversed_ * Decimal("10.00")  # each keeps its fee; reversals refund the amount
    assert provider.get("/v1/float").json()["balance"] == str(Decimal("1000000.00") - paid_out)

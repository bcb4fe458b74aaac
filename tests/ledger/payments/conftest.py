"""A provider process of the test's own (its faults are the test's business)."""
import pytest

from tests.ledger.payments.harness import spawn_provider


@pytest.fixture
def provider(tmp_path):
    child, url = spawn_provider(tmp_path / "provider")
    yield url
    child.terminate()
    child.wait(10)

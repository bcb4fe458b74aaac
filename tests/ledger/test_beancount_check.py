"""Verify's run of Beancount's pipeline leaves booking out only where booking changes
nothing: it finds what Beancount's own loader finds, on entries that need booking or not."""
import pytest
from beancount import loader

from services.ledger.verification.loading import load

OPENED = """option "operating_currency" "USD"
option "booking_method" "STRICT"
2026-01-01 open Assets:Float
2026-01-01 open Expenses:Grants
2026-01-01 open Assets:Shares
"""

SOURCES = {
    "complete": '2026-01-02 * "paid"\n  Expenses:Grants  10.00 USD\n  Assets:Float  -10.00 USD\n',
    "unbalanced": '2026-01-02 * "paid"\n  Expenses:Grants  10.00 USD\n  Assets:Float  -9.00 USD\n',
    "elided, interpolated by booking": '2026-01-02 * "paid"\n  Expenses:Grants  10.00 USD\n  Assets:Float\n'
                                       '2026-01-03 balance Assets:Float  -10.00 USD\n',
    "elided, asserted wrong": '2026-01-02 * "paid"\n  Expenses:Grants  10.00 USD\n  Assets:Float\n'
                              '2026-01-03 balance Assets:Float  -9.00 USD\n',
    "a lot booking cannot match": '2026-01-02 * "bought"\n  Assets:Shares  1 ACME {4.00 USD}\n'
                                  '  Assets:Float  -4.00 USD\n'
                                  '2026-01-03 * "sold"\n  Assets:Shares  -1 ACME {5.00 USD}\n'
                                  '  Assets:Float  5.00 USD\n',
    "a failed assertion": '2026-01-02 * "paid"\n  Expenses:Grants  10.00 USD\n  Assets:Float  -10.00 USD\n'
                          '2026-01-03 balance Assets:Float  -9.00 USD\n',
}


@pytest.mark.parametrize("name", SOURCES)
def test_same_errors_as_beancounts_loader(name):
    source = OPENED + SOURCES[name]
    loader.initialize(use_cache=False)
    expected = sorted((error.source.get("lineno") if error.source else 0, error.message)
                      for error in loader.load_string(source)[1])
    assert sorted((line, message) for _file, line, message in load(source=source)) == expected
    assert bool(expected) == (name not in ("complete", "elided, interpolated by booking"))

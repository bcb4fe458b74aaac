"""A cycle's page waits on the ledger's totals for a short time of its own, then says unknown."""
import time

import eventlet

from services.livelihoods import ledger_deadline

TOTALS = {"cycle": "AC-1", "currency": "USD", "by_status": {}}


class Ledger:
    def __init__(self, delay):
        self.delay = delay

    def cycle_totals(self, cycle_id):
        eventlet.sleep(self.delay)
        return {**TOTALS, "cycle": cycle_id}


def test_an_answer_in_time_is_the_ledgers():
    assert ledger_deadline.cycle_totals(Ledger(0.01), "AC-1", 1.0) == TOTALS


def test_no_answer_in_time_is_unknown_after_the_deadline_not_after_the_ledger(caplog):
    started = time.monotonic()
    assert ledger_deadline.cycle_totals(Ledger(5.0), "AC-1", 0.2) is None
    assert time.monotonic() - started < 1.0
    assert "did not answer cycle_totals(AC-1)" in caplog.text

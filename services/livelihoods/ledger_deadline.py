"""Asking the ledger with a deadline of livelihoods' own: a cycle's page must not wait on
a slow ledger for as long as the gateway waits on livelihoods."""
import logging

import eventlet

log = logging.getLogger(__name__)


def cycle_totals(ledger, cycle_id: str, seconds: float) -> dict | None:
    """The ledger's `cycle_totals` of the cycle, or None when it does not answer within `seconds`."""
    with eventlet.Timeout(seconds, False):
        return ledger.cycle_totals(cycle_id)
    log.warning("the ledger did not answer cycle_totals(%s) within %s s: completion unknown", cycle_id, seconds)
    return None

"""The payment adapter: payables go to the mobile-money provider (its own HTTP service) and
its answers come back to the ledger, each posted exactly once.

The writer posts a payable and a `payment_orders` row (NEW) in one commit; nothing is paid
then. A timer of the ledger service runs `PaymentAdapter.tick`: the sender (`sending.py`)
takes up to a batch of NEW orders, resolves their payees in one call to enrollment, HOLDs
those without a verified account, records the rest QUEUED under a batch key derived from
their references, POSTs the batch (several are in flight at once) and records SENT; a batch
whose POST failed or may not have arrived is asked about (bulk status) and what the provider does not know is sent again under
the same key. Results arrive as signed callbacks (`callbacks.py`) or from the poller
(`polling.py`) for orders SENT too long without one; both only record them (RECEIVED).
`answers.py` posts the payment or the reversal of every HELD or RECEIVED order through the
single writer (its lock, one write and one commit per batch) and answers livelihoods
through the outbox, 500 answers to an event. No account number is stored, logged or posted."""

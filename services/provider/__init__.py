"""A simulated mobile-money provider: its own HTTP service and database, shaped like a real
bulk disbursement API (batches, idempotency keys, signed asynchronous callbacks, status
queries, statement export), so the suite's payment adapter meets a provider's real behaviour."""

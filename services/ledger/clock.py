"""The ledger's today, as a dependency: a day can be closed only once it is over, and
finance's entries default to today. Real UTC time unless a test sets the day."""
from datetime import date, datetime, timezone

from nameko.extensions import DependencyProvider


class LedgerClock(DependencyProvider):
    def setup(self):
        self.day: date | None = None  # a test sets it to stand on another day

    def today(self) -> date:
        return self.day or datetime.now(timezone.utc).date()

    def get_dependency(self, worker_ctx):
        return self

"""The progress of every cycle not yet complete, by status, on the process's metrics
(`ddrr_cycle_payments`, shared/metrics.py) while the livelihoods service runs: operators
watch a release go from sent to paid without asking anyone."""
from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from services.livelihoods import cycle_progress
from shared.config import database_url
from shared.db import make_engine
from shared.metrics import CYCLE_PROGRESS


class CycleMetrics(DependencyProvider):
    def setup(self):
        self.engine = make_engine(database_url(self.container.config, "livelihoods"))
        CYCLE_PROGRESS.sources.append(self.counts)

    def counts(self) -> dict[tuple[str, str], int]:
        with Session(self.engine) as session:
            return cycle_progress.open_cycles(session)

    def stop(self):
        if self.counts in CYCLE_PROGRESS.sources:
            CYCLE_PROGRESS.sources.remove(self.counts)
        self.engine.dispose()

    kill = stop

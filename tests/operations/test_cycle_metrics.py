"""The cycle progress metric: every cycle not yet complete, its payments counted by status at
each scrape, gone once the cycle is complete; a source that fails leaves the series empty, not
the scrape broken; a running livelihoods service adds its source and takes it away at stop."""
import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.livelihoods import cycle_progress
from services.livelihoods.service import LivelihoodsService
from shared.metrics import CYCLE_PROGRESS
from tests.livelihoods.conftest import session  # noqa: F401 (fixture)
from tests.livelihoods.test_cycles import (answer, ledger_totals, page, people, prepare, programme,  # noqa: F401
                                           release, view)


def scraped() -> dict[tuple[str, str], float]:
    """The cycle progress series as Prometheus would read them: {(cycle, status): value}."""
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        if family.name == CYCLE_PROGRESS.NAME:
            return {(sample.labels["cycle"], sample.labels["status"]): sample.value for sample in family.samples}
    return {}


@pytest.fixture
def measured(programme):  # noqa: F811
    def source():
        with programme.begin():
            return cycle_progress.open_cycles(programme)
    CYCLE_PROGRESS.sources.append(source)
    yield programme
    CYCLE_PROGRESS.sources.remove(source)


def test_a_cycle_in_progress_is_counted_by_status_until_complete(measured):
    people(measured, 5)
    cycle_id = prepare(measured)
    assert scraped() == {(cycle_id, label): (5 if label == "pending" else 0)
                         for label in cycle_progress.LABELS.values()}
    release(measured, cycle_id)
    payments = page(measured, cycle_id)["payments"]
    answer(measured, payments[:3], "PAID")
    answer(measured, payments[3:4], "FAILED")
    assert scraped() == {(cycle_id, "pending"): 0, (cycle_id, "sent"): 1, (cycle_id, "paid"): 3,
                         (cycle_id, "failed"): 1, (cycle_id, "held"): 0, (cycle_id, "re-issued"): 0}
    answer(measured, payments[4:], "PAID")
    assert view(measured, cycle_id, ledger_totals(cycle_id, "160.00", 4, "40.00", 1))["status"] == "COMPLETE"
    assert scraped() == {}


def test_a_failing_source_leaves_the_series_empty():
    def broken():
        raise ConnectionError("database away")
    CYCLE_PROGRESS.sources.append(broken)
    try:
        text = generate_latest(REGISTRY).decode()
    finally:
        CYCLE_PROGRESS.sources.remove(broken)
    assert f"# TYPE {CYCLE_PROGRESS.NAME} gauge" in text
    assert f"{CYCLE_PROGRESS.NAME}{{" not in text


def test_the_livelihoods_service_measures_while_it_runs(config, container_factory):
    before = len(CYCLE_PROGRESS.sources)
    container = container_factory(LivelihoodsService, config)
    container.start()
    assert len(CYCLE_PROGRESS.sources) == before + 1
    container.stop()
    assert len(CYCLE_PROGRESS.sources) == before

"""A service that never answers costs the caller a 504 after the configured wait, not a hung request."""
import time

import eventlet
import pytest
from nameko.rpc import rpc

from services.gateway.routes import PAGES, ROUTES
from services.gateway.service import GatewayService
from shared.config import load
from tests.gateway.test_page_pipeline import as_browser
from tests.support import Api, bootstrap_admin


class HungLedger:
    name = "ledger"

    @rpc
    def trial_balance(self, *asked):
        eventlet.sleep(30)

    @rpc
    def list_statements(self):
        eventlet.sleep(30)


@pytest.fixture
def gateway(config, runner_factory):
    config["GATEWAY"] = {**config["GATEWAY"], "read_timeout_seconds": 0.5}
    runner_factory(config, GatewayService, HungLedger).start()
    return Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))


def test_a_hung_service_is_a_504_after_the_timeout(gateway):
    finance = gateway.new_user("finance-1", "finance")
    started = time.monotonic()
    answer = finance.get("/ledger/trial-balance", expect=504)
    assert answer["error"] == "GATEWAY_TIMEOUT" and time.monotonic() - started < 5
    assert gateway.get("/health")["status"] == "ok"  # the gateway itself goes on answering


def test_a_page_waiting_on_a_hung_service_is_a_504_page_after_the_timeout(gateway):
    finance = gateway.new_user("finance-1", "finance")
    started = time.monotonic()
    answer = as_browser(finance, "GET", "/app/reconciliation")
    assert answer.status_code == 504 and "No answer in time" in answer.text and time.monotonic() - started < 5


def test_reads_wait_seconds_and_imports_longer():
    settings = load()["GATEWAY"]
    assert settings["read_timeout_seconds"] <= 10 < settings["import_timeout_seconds"]
    timeouts = {(route.method, route.path): route.timeout_setting for route in ROUTES}
    assert timeouts[("GET", "/ledger/trial-balance")] == "read_timeout_seconds"
    assert timeouts[("POST", "/ledger/statements")] == timeouts[("POST", "/participants/import")] == \
        "import_timeout_seconds"
    assert timeouts[("POST", "/grants")] == "command_timeout_seconds"
    pages = {(page.method, page.path): page.timeout_setting for page in PAGES}
    assert pages[("POST", "/app/reconciliation")] == "import_timeout_seconds"
    assert pages[("GET", "/app/reconciliation")] == "read_timeout_seconds"
    assert pages[("POST", "/app/grants/<application_id>/approve")] == "command_timeout_seconds"

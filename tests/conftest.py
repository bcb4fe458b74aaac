"""Fixtures shared by every test: a per-test configuration over an isolated RabbitMQ
virtual host (nameko's `rabbit_config`) and freshly migrated databases."""
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services.cli import SERVICES
from services.enrollment.service import EnrollmentService
from services.gateway.service import GatewayService
from services.ledger.service import LedgerService
from services.ledger.verification.verify import verify
from services.livelihoods.service import LivelihoodsService
from services.mentorship.service import MentorshipService
from services.provider import process
from shared.config import load
from shared.migrations import upgrade
from tests.databases import migrated_sqlite_file
from tests.ports import free_port
from tests.support import Api, bootstrap_admin

PG_ADMIN_URL = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"


def migrated_sqlite(tmp_path: Path) -> dict:
    return {name: migrated_sqlite_file(name, tmp_path / f"{name}.db") for name in SERVICES}


@pytest.fixture
def base_config(request, tmp_path, suite_provider):
    """The real configuration file, pointed at this test's folder; SQLite databases unless
    the test is parametrised with `indirect=["base_config"]` and "postgres"."""
    config = load()
    config["DATA_DIR"] = str(tmp_path)
    if getattr(request, "param", "sqlite") == "postgres":
        config["DATABASES"] = request.getfixturevalue("postgres_urls")
    else:
        config["DATABASES"] = migrated_sqlite(tmp_path)
    config["LEDGER"]["directory"] = str(tmp_path / "ledger")
    port = free_port()
    config["LEDGER"]["rail"].update(provider_url=suite_provider, callback_address=f"127.0.0.1:{port}",
                                    callback_url=f"http://127.0.0.1:{port}/provider/callbacks",
                                    timeout_seconds=2, retries=1, backoff_factor=0, retry_pause_seconds=0.5,
                                    overdue_seconds=3, test_only_synthetic_payees=True)
    yield config
    if (tmp_path / "ledger" / "main.beancount").exists():
        report = verify(str(tmp_path / "ledger"))
        assert report.ok, f"the ledger this test wrote does not validate: {report}"


@pytest.fixture
def web_config():
    """nameko's fixture of the same name, with a port of this test part's own."""
    return {"WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}


@pytest.fixture
def config(base_config, rabbit_config, web_config):
    """`base_config` wired to an isolated RabbitMQ vhost and a free HTTP port."""
    return {**base_config, **rabbit_config, **web_config}


@pytest.fixture
def postgres_urls():
    """Throw-away PostgreSQL databases, one per service, migrated, for one test."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    urls = {}
    with admin.connect() as conn:
        for name in SERVICES:
            db = f"ddrr_test_{name}_{suffix}"
            conn.execute(text(f'CREATE DATABASE "{db}"'))
            urls[name] = f"postgresql://postgres@127.0.0.1:5432/{db}"
    for name, url in urls.items():
        upgrade(name, url)
    yield urls
    with admin.connect() as conn:
        for url in urls.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


ALL_SERVICES = (EnrollmentService, LivelihoodsService, LedgerService, MentorshipService, GatewayService)


# What the tests' provider decides: every payment paid, at once. References derive from
# idempotency keys, random per test, so one provider serves the whole session.
QUIET_PROVIDER = {"PROVIDER_SEED": "ddrr-tests", "PROVIDER_CALLBACK_DELAY": "0", "PROVIDER_FAILURE_RATE": "0",
                  "PROVIDER_REVERSAL_RATE": "0", "PROVIDER_UNKNOWN_ACCOUNT_RATE": "0"}


@pytest.fixture(scope="session")
def suite_provider(tmp_path_factory):
    """The simulated payment provider as its own process (`ddrr serve provider`); its URL."""
    child, url = process.spawn(str(tmp_path_factory.mktemp("provider")), port=free_port(), **QUIET_PROVIDER)
    yield url
    child.terminate()
    child.wait(10)


@pytest.fixture
def suite_runner(config, runner_factory):
    """Every service running in this process over the real RabbitMQ, paying through the
    provider (a test reaches a service's dependencies through it, e.g. the ledger's clock)."""
    runner = runner_factory(config, *ALL_SERVICES)
    runner.start()
    return runner


@pytest.fixture
def suite(config, suite_runner):
    """Every service running in this process over the real RabbitMQ; yields an admin client."""
    api = Api(f"http://{config['WEB_SERVER_ADDRESS']}")
    return api.as_user(bootstrap_admin(config))

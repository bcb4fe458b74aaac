"""Fixtures shared by every test: a per-test configuration over an isolated RabbitMQ
virtual host (nameko's `rabbit_config`) and freshly migrated databases."""
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shared.config import load
from shared.migrations import upgrade

SERVICES = ("enrollment", "livelihoods", "ledger", "mentorship", "gateway")
PG_ADMIN_URL = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"


def migrated_sqlite(tmp_path: Path) -> dict:
    urls = {name: f"sqlite:///{tmp_path}/{name}.db" for name in SERVICES}
    for name, url in urls.items():
        upgrade(name, url)
    return urls


@pytest.fixture
def base_config(tmp_path):
    """The real configuration file, pointed at this test's folder."""
    config = load()
    config["DATA_DIR"] = str(tmp_path)
    config["DATABASES"] = migrated_sqlite(tmp_path)
    config["LEDGER"]["directory"] = str(tmp_path / "ledger")
    config["LEDGER"]["rail"]["decline_participants"] = []
    return config


@pytest.fixture
def config(base_config, rabbit_config, web_config):
    """`base_config` wired to an isolated RabbitMQ vhost and a free HTTP port."""
    return {**base_config, **rabbit_config, **web_config}


@pytest.fixture(scope="session")
def postgres_urls():
    """One throw-away PostgreSQL database per service, migrated, for the whole session."""
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

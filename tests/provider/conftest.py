"""A provider per test, in-process on a free port with its own SQLite database, and a
callback receiver that checks signatures. Outcomes are off unless a test turns them on."""
import dataclasses

import pytest

from services.provider.receiver import CallbackReceiver
from services.provider.server import ProviderServer
from services.provider.settings import Faults, Settings
from shared.config import load
from shared.migrations import upgrade
from tests.databases import migrated_sqlite_file
from tests.provider.support import Client


@pytest.fixture
def start_provider(tmp_path):
    """`start_provider(**settings)` → a Client of a running provider; all stopped at the end."""
    servers = []

    def start(**overrides) -> Client:
        database = overrides.pop("database_url", None) or \
            migrated_sqlite_file("provider", tmp_path / f"provider-{len(servers)}.db")
        quiet = {"callback_delay_seconds": 0.0, "failure_rate": 0.0, "reversal_rate": 0.0,
                 "unknown_account_rate": 0.0, "name_mismatch_rate": 0.0, "faults": Faults()}
        settings = dataclasses.replace(Settings.from_config(load()), address="127.0.0.1:0", database_url=database,
                                       seed="test", **{**quiet, **overrides})
        if not database.startswith("sqlite"):
            upgrade("provider", database)
        servers.append(ProviderServer(settings).start())
        return Client(servers[-1].url, settings)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def provider(start_provider) -> Client:
    return start_provider()


@pytest.fixture
def receiver(provider):
    with CallbackReceiver(provider.settings.callback_secret) as running:
        yield running

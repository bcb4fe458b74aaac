"""Every service's migrations build exactly its models, go down and up again, on SQLite
and on PostgreSQL."""
import pytest
from alembic import command

from shared.migrations import alembic_config
from services.cli import SERVICES


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_models_and_reverse(base_config, service):
    config = alembic_config(service, base_config["DATABASES"][service])
    command.check(config)  # raises if the models differ from what the migrations built
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)

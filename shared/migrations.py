"""Alembic, per service: each service keeps `migrations/` beside its models.

A service's `migrations/env.py` is two lines calling `run_env(metadata)`; the `ddrr
migrate` command and the tests call `upgrade()`.
"""
from pathlib import Path

from alembic import command, context
from alembic.config import Config

from shared.db import make_engine, normalise_url

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("version_table", "alembic_version")
    config.attributes["database_url"] = normalise_url(url)
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def revision(service: str, url: str, message: str) -> None:
    """Autogenerate a migration from the difference between models and database."""
    command.revision(alembic_config(service, url), message=message, autogenerate=True)


def run_env(metadata) -> None:
    url = context.config.attributes["database_url"]
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()

"""Alembic, per service: each service keeps `migrations/` beside its models.

A service's `migrations/env.py` is two lines calling `run_env(metadata)`; the `ddrr
migrate` command and the tests call `upgrade()`. Replicas starting together each run
`ddrr serve`, which migrates first: `upgrade()` holds a lock meanwhile (a PostgreSQL
advisory lock; beside a SQLite file, a file lock), so one migrates and the others then
find nothing to do.
"""
import fcntl
import zlib
from contextlib import contextmanager
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url

from shared.db import make_engine, normalise_url, private_file

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("version_table", "alembic_version")
    config.attributes["database_url"] = normalise_url(url)
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    with migration_lock(service, url):
        command.upgrade(alembic_config(service, url), revision)


@contextmanager
def migration_lock(service: str, url: str):
    """Held while one process migrates a service's database."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            yield
            return
        lock_file = Path(f"{parsed.database}.migrate-lock")
        private_file(lock_file)
        with open(lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        return
    engine = make_engine(url)
    key = zlib.crc32(f"ddrr-migrate-{service}".encode())
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
    finally:
        engine.dispose()


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

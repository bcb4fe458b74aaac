"""Migrated SQLite databases for tests, copied from one template per service.

Running Alembic for six services costs most of a second per test; each process migrates a
service's database once and every later test gets a copy of that file (0600, as the
services create theirs)."""
import atexit
import shutil
import tempfile
from pathlib import Path

from shared.migrations import upgrade

_templates: dict[str, Path] = {}
_folder = Path(tempfile.mkdtemp(prefix="ddrr-db-templates-"))
atexit.register(shutil.rmtree, _folder, True)


def migrated_sqlite_file(service: str, path: Path) -> str:
    """A copy of `service`'s database migrated to head at `path`; its SQLAlchemy URL."""
    if service not in _templates:
        template = _folder / f"{service}.db"
        upgrade(service, f"sqlite:///{template}")
        _templates[service] = template
    shutil.copyfile(_templates[service], path)
    path.chmod(0o600)
    return f"sqlite:///{path}"

"""The local data folder and its SQLite files are private to the account running the
suite: the folder 0700, each database (and SQLite's -wal and -shm beside it) 0600."""
import stat

from sqlalchemy import text

from shared.db import make_engine


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_database_are_private(tmp_path):
    folder = tmp_path / "data"
    engine = make_engine(f"sqlite:///{folder}/gateway.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert [f.name for f in files][:1] == ["gateway.db"] and all(mode(f) == 0o600 for f in files), \
        [(f.name, oct(mode(f))) for f in files]
    engine.dispose()

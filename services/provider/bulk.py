"""Many rows in few statements. pg8000 runs a plain executemany as one round trip per row
(100,000 payments took minutes on PostgreSQL). An INSERT with RETURNING goes through
SQLAlchemy's "insertmanyvalues" (1,000 rows a statement, compiled once) on both databases;
per-row updates on PostgreSQL are one UPDATE ... FROM (VALUES ...) per chunk. SQLite has no
column list on a VALUES alias, and its executemany is an in-process loop, so there updates stay
an executemany."""
from sqlalchemy import bindparam, column, insert, update, values

MAX_PARAMETERS = 30000  # below SQLite's and PostgreSQL's limit of bound parameters per statement


def insert_all(conn, table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table).returning(*table.primary_key.columns), rows)


def update_all(conn, table, key: str, rows: list[dict]) -> None:
    """Set each row's columns (the dicts' keys, named as the table's columns) where `key` matches."""
    if not rows:
        return
    names = list(rows[0])
    if conn.dialect.name == "sqlite":
        statement = update(table).where(table.c[key] == bindparam(f"new_{key}")).values(
            {name: bindparam(f"new_{name}") for name in names if name != key})
        conn.execute(statement, [{f"new_{name}": value for name, value in row.items()} for row in rows])
        return
    per = MAX_PARAMETERS // len(names)
    for start in range(0, len(rows), per):
        given = values(*(column(name, table.c[name].type) for name in names), name="given").data(
            [tuple(row[name] for name in names) for row in rows[start:start + per]])
        conn.execute(update(table).where(table.c[key] == given.c[key])
                     .values({name: given.c[name] for name in names if name != key}))

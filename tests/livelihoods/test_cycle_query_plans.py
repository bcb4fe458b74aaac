"""Each chunk of a cycle's preparation and release, and each page of its payments, is a range
of an index in the walk's order: no statement sorts what remains (EXPLAIN QUERY PLAN of the
statements a real prepare, release and page run)."""
from sqlalchemy import event

from services.livelihoods import allowances
from services.livelihoods.schemas import PageQuery
from tests.livelihoods.test_cycles import people, prepare, programme, release  # noqa: F401  (fixture)


def statements_run(session, work) -> list[tuple[str, tuple]]:
    """The keyset (LIMIT) SELECTs `work` runs, with their parameters."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and " LIMIT " in statement:
            seen.append((statement, tuple(parameters)))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def test_chunks_and_pages_walk_indexes_in_order(programme):  # noqa: F811
    people(programme, 20)

    def work():
        cycle_id = prepare(programme)
        release(programme, cycle_id)
        with programme.begin():
            allowances.payments_page(programme, cycle_id, PageQuery(after="A-", limit=10))

    seen = statements_run(programme, work)
    with programme.begin():
        plans = {sql: " | ".join(row[3] for row in programme.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, params)) for sql, params in seen}
    walk = [plan for sql, plan in plans.items() if "FROM participant_facts" in sql and "EXISTS" in sql]
    payments = {sql: plan for sql, plan in plans.items() if "FROM allowance_payments" in sql}
    chunks = [plan for sql, plan in payments.items() if "allowance_payments.status =" in sql]
    pages = [plan for sql, plan in payments.items() if "allowance_payments.status =" not in sql]
    assert walk and chunks and pages
    assert all("sqlite_autoindex_participant_facts_1 (participant_id>?)" in p and "phase_history_1" in p for p in walk)
    assert all("ix_allowance_payments_cycle_status_id (cycle_id=? AND status=? AND id>?)" in p for p in chunks)
    assert all("ix_allowance_payments_cycle_id_id (cycle_id=? AND id>?)" in p for p in pages)
    assert not any("TEMP B-TREE" in p for p in walk + chunks + pages)

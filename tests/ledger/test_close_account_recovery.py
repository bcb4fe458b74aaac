"""An approval to close an account cut short after its `close` reached the chart (the index
never committed): recovery records the close, and the approval done again finishes the
request without a second `close`. The ledger verifies."""
from sqlalchemy.orm import Session

from services.ledger.writer import accounts
from services.ledger.writer.posting import LedgerWriter
from services.ledger.writer.recovery import recover
from tests.ledger.test_closing_and_top_ups import OLD, verified
from tests.ledger.test_period_close import TODAY, run
from tests.ledger.test_posting import ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconciliation_workflow import collect, paid  # noqa: F401


def test_an_approval_retried_after_a_crash_closes_the_account_once(paid):
    env, _ = paid
    engine, files, rail, _ = env
    asked = run(env, lambda s, l, r: accounts.request_close(s, "SimMobile", OLD, "no longer used", "fin1")[0].id)
    with Session(engine) as session:  # the close reaches the chart, the commit never comes
        session.begin()
        accounts.approve_close(session, LedgerWriter(session, files, rail), asked, "fin2", TODAY)
        session.rollback()
    chart = files.directory / "accounts.beancount"
    assert chart.read_text().count(f"close {OLD}") == 1
    with Session(engine) as session, session.begin():
        recover(session, LedgerWriter(session, files, rail), collect([]))
    approved = run(env, lambda s, ledger, r: accounts.request_view(
        s, accounts.approve_close(s, ledger, asked, "fin2", TODAY)))
    assert (approved["status"], approved["requested_by"], approved["approved_by"], approved["closed_on"]) == (
        "APPROVED", "fin1", "fin2", str(TODAY))
    assert chart.read_text().count(f"close {OLD}") == 1
    verified(env)

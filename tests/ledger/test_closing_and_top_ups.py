"""Closed accounts, top-ups on the statement, a statement line's category instead of the
rail's Details, a sign-off retried after a crash, and entries inside re-opened days, on real
files and a real index. Every ledger written here verifies."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.book.data import Leg, Transaction
from services.ledger.models import ClosedAccount, Statement, StatementItem
from services.ledger.reconciliation.workflow import Reconciliation, Resolution, describe, lines_csv
from services.ledger.schemas import FloatTransfer, PrepareJournalEntry
from services.ledger.verification.verify import verify
from services.ledger.writer import accounts, journal, period_close, transfers
from services.ledger.writer.posting import LedgerWriter
from services.ledger.writer.recovery import recover
from shared.errors import AccountClosed, BalanceAsserted, Conflict
from tests.ledger.test_period_close import TODAY, clean_statement, closed_through, entries, reconciled, run, sign_off
from tests.ledger.test_posting import command, index_anchor, ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconcile import statement
from tests.ledger.test_reconciliation_workflow import collect, paid, rows_with_balances  # noqa: F401

FLOAT = chart.rail_float("SimMobile")
OLD = "Expenses:Reconciliation:Differences"
NAME = "Amina Warsame Hiiraan"


def verified(env) -> None:
    report = verify(str(env[1].directory), index_anchor(env[0]))
    assert report.ok, report


def entry(key: str, day: date, account: str, amount: str = "1.00", back: bool = False) -> PrepareJournalEntry:
    """From `account` to the bank (or `back`)."""
    sides = ("CREDIT", "DEBIT") if back else ("DEBIT", "CREDIT")
    return PrepareJournalEntry(key=key, day=day, narration="Moved", currency="USD", reason="monthly review",
                               lines=[{"account": "Assets:Bank:EUTF", "side": sides[0], "amount": amount},
                                      {"account": account, "side": sides[1], "amount": amount}])


def close(env, account: str):
    """Asked for by fin1, approved by fin2."""
    asked = run(env, lambda s, l, r: accounts.request_close(s, "SimMobile", account, "no longer used", "fin1")[0].id)
    return run(env, lambda s, ledger, r: accounts.request_view(s, accounts.approve_close(s, ledger, asked, "fin2",
                                                                                         TODAY)))


def test_a_closed_account_takes_no_posting_and_one_with_money_is_not_closed(paid):
    env, _ = paid
    written = entries(env)
    with pytest.raises(Conflict, match="posted to by the ledger itself"):
        close(env, FLOAT)
    prepared = run(env, lambda s, l, r: journal.prepare(s, entry("J-1", TODAY, OLD, "5.00"), "fin1", TODAY)[0].id)
    run(env, lambda s, ledger, r: journal.approve(s, ledger, prepared, "fin2"))
    with pytest.raises(Conflict, match=f"{OLD} still holds -5.00 USD: move it out"):
        close(env, OLD)
    back = run(env, lambda s, l, r: journal.prepare(s, entry("J-2", TODAY, OLD, "5.00", back=True), "fin1", TODAY)[0].id)
    run(env, lambda s, ledger, r: journal.approve(s, ledger, back, "fin2"))
    assert close(env, OLD) == {"id": 1, "account": OLD, "closed_on": "2026-11-30", "reason": "no longer used",
                               "status": "APPROVED", "requested_by": "fin1", "approved_by": "fin2"}
    assert "2026-11-30 close " + OLD in (env[1].directory / "accounts.beancount").read_text()
    written = entries(env)
    with pytest.raises(AccountClosed, match=f"{OLD} \\(closed on 2026-11-30\\) is closed"):
        run(env, lambda s, l, r: journal.prepare(s, entry("J-3", TODAY, OLD), "fin1", TODAY))
    late = run(env, lambda s, l, r: journal.prepare(s, entry("J-4", TODAY, "Assets:Receivable:MobileMoney"),
                                                    "fin1", TODAY)[0].id)
    with Session(env[0]) as session, session.begin():
        session.add(ClosedAccount(account="Assets:Receivable:MobileMoney", closed_on=TODAY, reason="race",
                                  closed_by="fin3", closed_at=datetime.now(timezone.utc)))
    with pytest.raises(AccountClosed, match="closed on 2026-11-30.*nothing is posted to it"):
        run(env, lambda s, ledger, r: journal.approve(s, ledger, late, "fin2"))
    fee = Transaction(TODAY, "A fee", (Leg(chart.FEES, Decimal(1), "USD"), Leg(OLD, Decimal(-1), "USD")))
    with pytest.raises(AccountClosed, match=f"account {OLD} was closed on 2026-11-30: nothing is posted to it"):
        run(env, lambda s, ledger, r: ledger.append(fee))
    assert entries(env) == written
    with Session(env[0]) as session, session.begin():
        session.delete(session.get(ClosedAccount, "Assets:Receivable:MobileMoney"))
    verified(env)


def test_an_adjustment_to_a_closed_account_is_refused(paid):
    env, ref = paid
    close(env, OLD)

    def work(session, ledger, recon):
        opened = recon.import_statement(clean_statement(ref), "fin1")[0]
        top_up = session.scalar(select(StatementItem.id).where(StatementItem.statement_id == opened.id,
                                                               StatementItem.outcome == "UNMATCHED_STATEMENT_LINE"))
        recon.resolve(opened.id, top_up, Resolution("ADJUST", "top-up from the bank", OLD), "fin1")
    with pytest.raises(AccountClosed, match=OLD):
        run(env, work)
    verified(env)


def top_up(env, reference="BANK-1", amount="575.00", day=date(2026, 11, 24)):
    command_ = FloatTransfer(direction="TOP_UP", bank_account="Assets:Bank:EUTF", amount=amount, currency="USD",
                             reference=reference, day=day)
    run(env, lambda s, ledger, r: transfers.move(s, ledger, command_, "USD", "fin1", TODAY))


def imported(env, text: str):
    return run(env, lambda s, l, recon: describe(s, recon.import_statement(text, "fin1")[0], "TOP_UP"))


def test_a_top_up_on_the_statement_matches_the_one_in_the_ledger_and_the_month_reconciles(paid):
    env, ref = paid
    top_up(env)
    answer = imported(env, clean_statement(ref))
    assert answer["counts"]["TOP_UP"] == 1 and answer["open_exceptions"] == 0
    [line] = answer["items"]
    assert (line["receipt"], line["category"], line["transfer_reference"]) == ("TKC000", "top-up", "BANK-1")
    assert sign_off(env, answer["id"]) == "SIGNED_OFF"
    verified(env)


def test_a_top_up_is_matched_by_amount_and_day_when_the_rail_prints_another_reference_and_only_once(paid):
    env, ref = paid
    top_up(env, reference="EUTF-TRANSFER-77")
    first = imported(env, clean_statement(ref).replace("BANK-1", "RAIL-XYZ"))
    assert [i["transfer_reference"] for i in first["items"]] == ["EUTF-TRANSFER-77"]
    again = statement(*rows_with_balances(Decimal("575.00"), (
        "TKD001", "13:00:00", "Funds transfer from bank", "Completed", "575.00", "", "EUTF-TRANSFER-77")))
    second = run(env, lambda s, l, recon: describe(s, recon.import_statement(again, "fin1")[0]))
    assert second["counts"]["TOP_UP"] == 0 and second["counts"]["UNMATCHED_STATEMENT_LINE"] == 1


def test_a_name_in_the_details_is_kept_nowhere(paid):
    env, ref = paid
    text = clean_statement(ref).replace("Business payment", f"Business payment to {NAME}")
    answer = run(env, lambda s, l, recon: describe(s, recon.import_statement(text, "fin1")[0], "MATCHED"))
    assert answer["items"] and all(item["category"] == "payment" for item in answer["items"])
    assert NAME not in repr(answer)
    assert NAME not in run(env, lambda s, l, r: lines_csv(s, s.get(Statement, answer["id"])))
    metadata = MetaData()
    metadata.reflect(env[0])
    with env[0].connect() as connection:
        stored = [repr(row) for table in metadata.sorted_tables for row in connection.execute(table.select())]
    assert stored and not [row for row in stored if "Warsame" in row]
    assert "Warsame" not in "".join(path.read_text() for path in env[1].directory.rglob("*.beancount"))


def test_a_sign_off_retried_after_a_crash_appends_its_balance_assertion_once(paid):
    env, ref = paid
    statement_id = reconciled(env, ref)
    engine, files, rail, _ = env
    with Session(engine) as session:  # the assertion reaches the file, the commit never comes
        session.begin()
        ledger = LedgerWriter(session, files, rail)
        Reconciliation(session, ledger, "SimMobile", "USD", collect([]), TODAY).sign_off(statement_id, "fin2")
        session.rollback()
    with Session(engine) as session, session.begin():
        done = recover(session, LedgerWriter(session, files, rail), collect([]))
    assert any("balance assertion" in line for line in done)
    assert sign_off(env, statement_id) == "SIGNED_OFF"
    assert "".join(path.read_text() for path in files.directory.rglob("20*.beancount")).count(" balance ") == 1
    verified(env)


def test_after_a_reopening_an_entry_changing_the_asserted_float_inside_the_reopened_days_is_refused(paid):
    env, ref = paid
    sign_off(env, reconciled(env, ref))
    request = run(env, lambda s, l, r: period_close.request_reopen(s, date(2026, 11, 20), "misbooked fee", "fin1").id)
    run(env, lambda s, l, r: period_close.approve_reopen(s, request, "fin2"))
    assert closed_through(env) == date(2026, 11, 19)
    written = entries(env)
    inside = run(env, lambda s, l, r: journal.prepare(s, entry("J-F", date(2026, 11, 22), FLOAT), "fin1",
                                                      TODAY)[0].id)
    with pytest.raises(BalanceAsserted, match=f"{FLOAT} was signed off with a balance assertion for the start of "
                                              "2026-11-25; an entry dated 2026-11-22 would break it"):
        run(env, lambda s, ledger, r: journal.approve(s, ledger, inside, "fin2"))
    assert entries(env) == written
    moved = run(env, lambda s, l, r: journal.prepare(s, entry("J-E", date(2026, 11, 22), OLD), "fin1", TODAY)[0].id)
    run(env, lambda s, ledger, r: journal.approve(s, ledger, moved, "fin2"))
    assert entries(env) == written + 1
    verified(env)

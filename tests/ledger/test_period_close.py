"""Period close on real files and a real index: sign-off (by another user than the importer,
for days that are over) closes the period; whatever belongs to a closed day later is written
on the first open day with its own date kept; a statement reaching into the closed period is
refused; re-opening needs a second finance user."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.models import ChainHead, StatementItem
from services.ledger.reconciliation.workflow import Reconciliation, Resolution
from services.ledger.schemas import PrepareJournalEntry
from services.ledger.verification.verify import verify
from services.ledger.writer import journal, period_close
from services.ledger.writer.corrections import payment_hash, reverse
from services.ledger.book import chart
from services.ledger.writer.posting import LedgerWriter, ensure_open
from shared.errors import Conflict, PeriodClosed, SegregationOfDuties, ValidationFailed
from tests.ledger.test_posting import command, ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconcile import statement
from tests.ledger.test_reconciliation_workflow import collect, paid, rows_with_balances  # noqa: F401

TODAY = date(2026, 11, 30)


def run(env, work, today=TODAY):
    engine, files, rail, events = env
    with Session(engine) as session, session.begin():
        ledger = LedgerWriter(session, files, rail)
        return work(session, ledger, Reconciliation(session, ledger, "SimMobile", "USD", collect(events), today))


def clean_statement(ref: dict, day: str = "2026-11-24") -> str:
    """Every payment of the 23rd shown on `day`, after a top-up that covers them."""
    rows = [("TKC000", "07:00:00", "Funds transfer from bank", "Completed", "575.00", "", "BANK-1")]
    rows += [(f"TKC{n:03d}", f"08:{n:02d}:00", "Business payment", "Completed", "", amount, ref[d])
             for n, (d, amount) in enumerate((("D-00000001", "100.00"), ("D-00000002", "250.00"),
                                              ("D-00000003", "50.00"), ("D-00000004", "75.00"),
                                              ("D-00000005", "100.00")), start=1)]
    return statement(*[row.replace("2026-11-24", day) for row in rows_with_balances(Decimal(0), *rows)])


def reconciled(env, ref) -> str:
    """The clean statement imported by fin1, its top-up line taken from the bank."""
    def work(session, ledger, recon):
        opened = recon.import_statement(clean_statement(ref), "fin1")[0]
        [top_up] = session.scalars(select(StatementItem.id).where(
            StatementItem.statement_id == opened.id, StatementItem.outcome == "UNMATCHED_STATEMENT_LINE")).all()
        recon.resolve(opened.id, top_up, Resolution("ADJUST", "top-up from the bank", "Assets:Bank:EUTF"), "fin1")
        return opened.id
    return run(env, work)


def sign_off(env, statement_id, by="fin2", today=TODAY):
    return run(env, lambda session, ledger, recon: recon.sign_off(statement_id, by).status, today)


def entries(env) -> int:
    with Session(env[0]) as session:
        return session.get(ChainHead, ChainHead.JOURNAL).entries


def closed_through(env):
    with Session(env[0]) as session:
        return period_close.closed_through(session)


def test_sign_off_needs_another_user_and_a_day_that_is_over_then_closes_the_period(paid):
    env, ref = paid
    statement_id = reconciled(env, ref)
    with pytest.raises(SegregationOfDuties, match="another finance user than its importer"):
        sign_off(env, statement_id, by="fin1")
    with pytest.raises(Conflict, match="2026-11-24 is not over yet: .* signed off from 2026-11-25"):
        sign_off(env, statement_id, today=date(2026, 11, 24))
    assert closed_through(env) is None
    assert sign_off(env, statement_id, today=date(2026, 11, 25)) == "SIGNED_OFF"
    assert closed_through(env) == date(2026, 11, 24)
    assert verify(str(env[1].directory)).ok


def test_late_entries_for_a_closed_day_are_dated_on_the_first_open_day_with_their_own_date(paid):
    env, ref = paid
    sign_off(env, reconciled(env, ref))
    late_fee = PrepareJournalEntry(
        key="late-fee-1", day=date(2026, 11, 23), narration="Bulk payment charge billed late", currency="USD",
        reason="the rail's invoice for the 23rd came on the 30th",
        lines=[{"account": "Expenses:Fees:MobileMoney", "side": "DEBIT", "amount": "4.00"},
               {"account": "Assets:Bank:EUTF", "side": "CREDIT", "amount": "4.00"}])

    def post_late(session, ledger, recon):
        ensure_open(session, ledger.files, chart.FEES)
        entry, _ = journal.prepare(session, late_fee, "fin1", TODAY)
        journal.approve(session, ledger, entry.id, "fin2")
        reverse(session, ledger, payment_hash(env[1].directory, "D-00000004"), "paid to the wrong number",
                "fin1", date(2026, 11, 23), collect(env[3]))
        return entry.posted_on
    assert run(env, post_late) == date(2026, 11, 25)

    text = (env[1].directory / "2026" / "2026-11.beancount").read_text()
    late = [block for block in text.split("\n\n") if "original-date" in block]
    assert len(late) == 2 and all(block.lstrip().startswith("2026-11-25 ") for block in late)
    assert all('original-date: "2026-11-23"' in block for block in late)
    assert "2026-11-23 * \"Bulk payment charge" not in text
    assert verify(str(env[1].directory)).ok  # the balance assertion of the closed day still holds


def test_a_statement_reaching_into_the_closed_period_is_refused_and_nothing_is_written(paid):
    env, ref = paid
    sign_off(env, reconciled(env, ref))
    before = entries(env)
    overlapping = statement(*rows_with_balances(Decimal("0.00"), (
        "TKD001", "10:00:00", "Business payment charge", "Completed", "", "1.00", "SIM-X")))
    with pytest.raises(PeriodClosed, match="starts on 2026-11-24, inside the period closed through 2026-11-24"):
        run(env, lambda session, ledger, recon: recon.import_statement(overlapping, "fin1"))
    assert entries(env) == before


def test_reopening_is_requested_by_one_finance_user_and_approved_by_another(paid):
    env, ref = paid
    sign_off(env, reconciled(env, ref))
    with pytest.raises(ValidationFailed, match="not in the closed period"):
        run(env, lambda session, ledger, recon: period_close.request_reopen(session, date(2026, 11, 26), "why", "fin1"))
    request = run(env, lambda session, ledger, recon: period_close.request_reopen(
        session, date(2026, 11, 20), "a fee was booked to the wrong account", "fin1").id)
    with pytest.raises(SegregationOfDuties, match="second finance user"):
        run(env, lambda session, ledger, recon: period_close.approve_reopen(session, request, "fin1"))
    assert closed_through(env) == date(2026, 11, 24)
    run(env, lambda session, ledger, recon: period_close.approve_reopen(session, request, "fin2"))
    assert closed_through(env) == date(2026, 11, 19)
    with pytest.raises(Conflict, match="APPROVED"):
        run(env, lambda session, ledger, recon: period_close.approve_reopen(session, request, "fin3"))
    with Session(env[0]) as session:
        history = period_close.describe(session)["history"]
    assert [(h["closed_through"], h["changed_by"]) for h in history] == [("2026-11-19", "fin2"), ("2026-11-24", "fin2")]

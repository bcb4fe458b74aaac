"""Finance's own books on real files and a real index: the general journal (maker-checker,
idempotent, balanced, open accounts only), float top-ups and returns, opening balances, a
matched payment corrected into a receivable, write-offs above the limit, the trial balance
as of a day against Beancount's own, Fava's empty errors page, and a disbursement asked
for again answered as a repeat."""
import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from eventlet.semaphore import Semaphore
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.models import AccountBalance, Posting, StatementItem, TreasuryEntry
from services.ledger.reconciliation.workflow import Resolution
from services.ledger.reports.from_index import trial_balance
from services.ledger.schemas import FloatTransfer, OpeningBalances, PrepareJournalEntry
from services.ledger.verification.verify import verify
from services.ledger.writer import journal, transfers
from services.ledger.writer.corrections import payment_hash, reverse
from services.ledger.writer.group_commit import OUTBOX, GroupCommitter
from services.ledger.writer.posting import ensure_open
from shared.errors import IdempotencyConflict, SegregationOfDuties, ValidationFailed
from shared.events import new_envelope
from tests.ledger.beancount_books import api_balances, fava_errors, nonzero
from tests.ledger.beancount_books import trial_balance as beancount_trial_balance
from tests.ledger.test_period_close import TODAY, clean_statement, run
from tests.ledger.test_posting import command, ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconciliation_workflow import paid  # noqa: F401

BANK = "Assets:Bank:EUTF"
FLOAT = chart.rail_float("SimMobile")


def entry(key="fix-1", day=date(2026, 11, 24), debit=BANK, credit="Expenses:Reconciliation:Differences",
          amounts=("12.00", "12.00")) -> PrepareJournalEntry:
    return PrepareJournalEntry(key=key, day=day, narration="Difference booked to the wrong account",
                               currency="USD", reason="found in the November review",
                               lines=[{"account": debit, "side": "DEBIT", "amount": amounts[0]},
                                      {"account": credit, "side": "CREDIT", "amount": amounts[1]}])


def balances(env) -> dict:
    with Session(env[0]) as session:
        return {row.account: row.balance for row in session.scalars(select(AccountBalance))}


def test_a_journal_entry_is_prepared_once_by_key_and_approved_by_another_finance_user(paid):
    env, _ = paid
    first = run(env, lambda session, ledger, recon: journal.view(journal.prepare(session, entry(), "fin1", TODAY)[0]))
    again = run(env, lambda session, ledger, recon: (lambda e, new: (e.id, new))(
        *journal.prepare(session, entry(), "fin1", TODAY)))
    assert again == (first["id"], False)
    with pytest.raises(IdempotencyConflict, match="journal key fix-1"):
        run(env, lambda session, ledger, recon: journal.prepare(session, entry(amounts=("13.00", "13.00")), "fin1", TODAY))
    with pytest.raises(SegregationOfDuties, match="another finance user than its preparer"):
        run(env, lambda session, ledger, recon: journal.approve(session, ledger, first["id"], "fin1"))
    assert BANK not in balances(env)

    approved = run(env, lambda session, ledger, recon: journal.view(journal.approve(session, ledger, first["id"], "fin2")))
    assert (approved["status"], approved["approved_by"], approved["posted_on"]) == ("APPROVED", "fin2", "2026-11-24")
    assert balances(env)[BANK] == Decimal("12.00")
    text = (env[1].directory / "2026" / "2026-11.beancount").read_text()
    assert f'journal-id: "{first["id"]}"' in text and "November review" not in text  # the reason stays in the index
    with pytest.raises(Exception, match="APPROVED"):
        run(env, lambda session, ledger, recon: journal.approve(session, ledger, first["id"], "fin3"))
    assert balances(env)[BANK] == Decimal("12.00")
    assert verify(str(env[1].directory)).ok


def test_the_journals_csv_hands_a_spreadsheet_no_formula(paid):
    env, _ = paid
    typed = entry().model_copy(update={"narration": '=HYPERLINK("http://x.example/steal","fix")'})
    run(env, lambda session, ledger, recon: journal.prepare(session, typed, "fin1", TODAY))
    with Session(env[0]) as session:
        rows = list(csv.DictReader(io.StringIO(journal.as_csv(session))))
    assert [row["narration"] for row in rows] == ["'" + typed.narration] * 2
    assert {(row["debit"], row["credit"]) for row in rows} == {("12.00", ""), ("", "12.00")}


@pytest.mark.parametrize("bad, message", [
    (entry(amounts=("12.00", "10.00")), "does not balance: debits exceed credits by 2.00"),
    (entry(debit="Assets:Bank:Nowhere"), "unknown account Assets:Bank:Nowhere"),
    # Past the schema (which checks the machine's clock), the writer checks its own day.
    (entry().model_copy(update={"day": date(2026, 12, 1)}), "2026-12-01 is in the future"),
])
def test_a_journal_entry_that_cannot_be_right_is_refused_and_nothing_is_kept(paid, bad, message):
    env, _ = paid
    with pytest.raises(ValidationFailed, match=message):
        run(env, lambda session, ledger, recon: journal.prepare(session, bad, "fin1", TODAY))
    with Session(env[0]) as session:
        assert journal.listed(session) == []


def test_top_ups_and_returns_move_money_between_bank_and_float_once_per_reference(paid):
    env, _ = paid
    top_up = FloatTransfer(direction="TOP_UP", bank_account=BANK, amount="600.00", currency="USD",
                           reference="BANK-TX-1", day=date(2026, 11, 22))
    back = FloatTransfer(direction="RETURN", bank_account=BANK, amount="100.00", currency="USD",
                         reference="BANK-TX-2", day=date(2026, 11, 29))
    float_before = balances(env)[FLOAT]

    def move(command):
        return run(env, lambda session, ledger, recon: transfers.move(session, ledger, command, "USD", "fin1", TODAY)[1])
    assert (move(top_up), move(top_up), move(back)) == (True, False, True)
    assert balances(env)[FLOAT] - float_before == Decimal("500.00") and balances(env)[BANK] == Decimal("-500.00")
    with pytest.raises(IdempotencyConflict):
        move(top_up.model_copy(update={"amount": Decimal("601.00")}))
    with pytest.raises(ValidationFailed, match="kept in USD, not EUR"):
        move(back.model_copy(update={"currency": "EUR", "reference": "BANK-TX-3"}))
    text = (env[1].directory / "2026" / "2026-11.beancount").read_text()
    assert text.count('entry: "top-up"') == 1 and text.count('entry: "return"') == 1
    assert verify(str(env[1].directory)).ok


def test_opening_balances_are_posted_once_against_equity(paid):
    env, _ = paid
    opening = OpeningBalances(reference="OPEN-2026", day=date(2026, 11, 1), currency="USD",
                              lines=[{"account": BANK, "side": "DEBIT", "amount": "9000.00"},
                                     {"account": FLOAT, "side": "DEBIT", "amount": "1000.00"}])

    def open_books(command):
        return run(env, lambda session, ledger, recon: transfers.open_books(session, ledger, command, "fin1", TODAY)[1])
    assert open_books(opening) is True and open_books(opening) is False
    assert balances(env)[chart.OPENING_BALANCES] == Decimal("-10000.00")
    with pytest.raises(Exception, match="posted already"):
        open_books(opening.model_copy(update={"reference": "OPEN-AGAIN"}))
    with Session(env[0]) as session:
        assert session.get(TreasuryEntry, "OPEN-2026").amount == Decimal("10000.00")
    assert verify(str(env[1].directory)).ok


def test_a_matched_payment_is_corrected_into_a_receivable_not_back_into_the_float(paid):
    env, ref = paid
    run(env, lambda session, ledger, recon: recon.import_statement(clean_statement(ref), "fin1"))
    float_before = balances(env)[FLOAT]
    digest = payment_hash(env[1].directory, "D-00000002")
    run(env, lambda session, ledger, recon: reverse(session, ledger, digest, "paid to the wrong person", "fin1",
                                                     TODAY, recon.emit))
    after = balances(env)
    assert after[FLOAT] == float_before  # the rail never gave the 250.00 back
    assert after[chart.RECEIVABLE_RECIPIENTS] == Decimal("250.00")
    assert after["Expenses:Livelihoods:Grants:LG-2026"] == Decimal("325.00")  # 575 paid, 250 owed back
    with Session(env[0]) as session:
        assert session.scalar(select(Posting.status).where(Posting.disbursement_id == "D-00000002")) == "REVERSED"
    assert verify(str(env[1].directory)).ok


def test_a_write_off_above_the_limit_is_appended_only_when_another_finance_user_approves(paid):
    env, ref = paid
    engine, files, rail, events = env
    statement_id = run(env, lambda session, ledger, recon: recon.import_statement(clean_statement(ref), "fin1")[0].id)
    with Session(engine) as session:
        top_up = session.scalar(select(StatementItem.id).where(StatementItem.outcome == "UNMATCHED_STATEMENT_LINE"))

    def limited(work):
        def with_limit(session, ledger, recon):
            recon.write_off_limit = Decimal("20.00")
            return work(session, ledger, recon)
        return run(env, with_limit)
    proposal = Resolution("ADJUST", "the top-up came from the EUTF account", BANK)
    assert limited(lambda s, l, recon: recon.resolve(statement_id, top_up, proposal, "fin1").resolution) is None
    assert BANK not in balances(env)
    with pytest.raises(SegregationOfDuties, match="another finance user than the one who proposed it"):
        limited(lambda s, l, recon: recon.approve_write_off(statement_id, top_up, "fin1"))
    with pytest.raises(Exception, match="awaiting another finance user's approval"):
        limited(lambda s, l, recon: recon.resolve(statement_id, top_up, proposal, "fin2"))
    approved = limited(lambda s, l, recon: (i := recon.approve_write_off(statement_id, top_up, "fin2")).resolution
                       + "/" + i.resolved_by)
    assert approved == "ADJUST/fin1" and balances(env)[BANK] == Decimal("-575.00")
    assert verify(str(files.directory)).ok


def test_the_trial_balance_as_of_a_day_is_beancounts_own_and_fava_shows_no_error(paid):
    env, _ = paid
    engine, files, rail, events = env
    with Session(engine) as session, session.begin():
        ensure_open(session, files, chart.FEES)
    run(env, lambda session, ledger, recon: transfers.move(session, ledger, FloatTransfer(
        direction="TOP_UP", bank_account=BANK, amount="700.00", currency="USD", reference="BANK-TX-9",
        day=date(2026, 11, 25)), "USD", "fin1", TODAY))
    main = files.directory / "main.beancount"
    for as_of in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 25), None):
        with Session(engine) as session:
            ours = trial_balance(session, as_of)
        assert nonzero(api_balances(ours)) == nonzero(beancount_trial_balance(main, as_of)), as_of
    assert fava_errors(main) == []


def test_a_disbursement_asked_for_again_under_a_new_event_is_answered_as_a_repeat(ledger_env):  # noqa: F811
    engine, files, rail = ledger_env
    committer = GroupCommitter(engine, files, rail, Semaphore())
    request = command(disbursement_id="D-REPEAT01", idempotency_key="grant:G-R:t1:a1", reference="G-R")
    for _ in range(3):
        assert committer.post([new_envelope("livelihoods", request).model_dump(mode="json")]) == [True]
    with Session(engine) as session:
        answers = [json.loads(body) for body in session.scalars(select(OUTBOX.c.body).order_by(OUTBOX.c.id))]
    assert [answer["payload"]["repeat"] for answer in answers] == [False, True, True]
    assert {answer["payload"]["disbursement_id"] for answer in answers} == {"D-REPEAT01"}
    written = "".join(book.read_text() for book in files.directory.rglob("*.beancount"))  # dated by the real clock
    assert written.count('disbursement-id: "D-REPEAT01"') == 2  # payable + payment

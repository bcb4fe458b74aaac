"""Reconciliation as finance works it, on real files and a real index: import a statement with
every exception kind, resolve each with a reason, sign off with a balance assertion that
Beancount checks; and every way of getting it wrong."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.writer.corrections import REVERSED_REASON, payment_hash, reverse
from services.ledger.book.integrity import BROKEN
from services.ledger.models import AccountBalance, ChainHead, Posting, Statement, StatementItem
from services.ledger.writer.posting import LedgerWriter, ensure_open
from services.ledger.reconciliation.workflow import Reconciliation, Resolution
from services.ledger.writer.recovery import recover
from services.ledger.verification.verify import verify
from shared.errors import BalanceMismatch, Conflict, NotFound, OpenExceptions, ValidationFailed
from tests.ledger.test_posting import command, ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconcile import FLOAT, statement

DAY = date(2026, 11, 23)
ADJUSTABLE = ("Assets:Bank:EUTF", "Assets:Receivable:MobileMoney", "Expenses:Reconciliation:Differences")
PAYMENTS = {"D-00000001": "100.00", "D-00000002": "250.00", "D-00000003": "50.00", "D-00000004": "75.00",
            "D-00000005": "100.00"}


@pytest.fixture
def paid(ledger_env):  # noqa: F811
    """Five payments made on 23 November, and the accounts finance adjusts to."""
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        ledger = LedgerWriter(session, files, rail)
        for n, (disbursement_id, amount) in enumerate(PAYMENTS.items(), start=1):
            ledger.post_disbursement(command(disbursement_id=disbursement_id, idempotency_key=f"grant:G-{n}:t1:a1",
                                             amount=Decimal(amount), reference=f"G-{n}"), today=DAY)
        for account in ADJUSTABLE:
            ensure_open(session, files, account)
        references = {p.disbursement_id: p.rail_reference for p in session.scalars(select(Posting))}
    return (*ledger_env, []), references  # the fourth: events the ledger emitted


def collect(events: list):
    """An `emit(*payloads)` that keeps what the ledger would put in its outbox."""
    return lambda *payloads: events.extend(payloads)


def rows_with_balances(opening: Decimal, *rows: tuple) -> list[str]:
    """Statement rows (receipt, time, details, status, paid in, withdrawn, reference) with the
    running balance the rail prints."""
    balance, out = opening, []
    for receipt, at, details, status, paid_in, withdrawn, reference in rows:
        balance += Decimal(paid_in or 0) - Decimal(withdrawn or 0)
        out.append(f"{receipt},2026-11-24 {at},{details},{status},{paid_in},{withdrawn},{balance},{reference}")
    return out


def every_exception_kind(ref: dict) -> str:
    return statement(*rows_with_balances(
        Decimal(0),
        ("TKN001", "08:00:00", "Funds transfer from bank", "Completed", "1000.00", "", "BANK-0042"),
        ("TKN002", "09:00:00", "Business payment to P-7K3M9Q", "Completed", "", "100.00", ref["D-00000001"]),
        ("TKN002", "09:00:00", "Business payment charge", "Completed", "", "0.50", ref["D-00000001"]),
        ("TKN003", "09:05:00", "Business payment to P-7K3M9Q", "Completed", "", "260.00", ref["D-00000002"]),
        ("TKN004", "09:10:00", "Business payment to P-7K3M9Q", "Completed", "", "50.00", ref["D-00000003"]),
        ("TKN005", "11:00:00", "Reversal of TKN004", "Reversed", "50.00", "", ref["D-00000003"]),
        ("TKN006", "12:00:00", "Business payment to P-7K3M9Q", "Completed", "", "100.00", ref["D-00000005"]),
        ("TKN007", "12:00:30", "Business payment to P-7K3M9Q", "Completed", "", "100.00", ref["D-00000005"]),
        ("TKN008", "13:00:00", "Business payment to unknown", "Completed", "", "30.00", "SIMUNKNOWN")))


def run(env, work):
    engine, files, rail, events = env
    with Session(engine) as session, session.begin():
        return work(session, Reconciliation(session, LedgerWriter(session, files, rail), "SimMobile", "USD", collect(events)))


def imported(env, text, user="fin1"):
    return run(env, lambda session, recon: recon.import_statement(text, user)[0].id)


def items(env, statement_id):
    engine = env[0]
    with Session(engine) as session:
        return {(item.outcome, item.disbursement_id or item.receipt): item.id for item in session.scalars(
            select(StatementItem).where(StatementItem.statement_id == statement_id))}


def resolve(env, statement_id, item_id, action, account=None, reason="checked with the rail's agent"):
    return run(env, lambda session, recon: recon.resolve(statement_id, item_id, Resolution(action, reason, account),
                                                         "fin1").resolution)


def sign_off(env, statement_id):
    return run(env, lambda session, recon: recon.sign_off(statement_id, "fin2").status)


def head(env):
    with Session(env[0]) as session:
        return session.get(ChainHead, ChainHead.JOURNAL).entries


def test_a_statement_with_every_exception_kind_is_reconciled_and_signed_off(paid):
    env, ref = paid
    statement_id = imported(env, every_exception_kind(ref))
    found = items(env, statement_id)
    assert set(found) == {
        ("UNMATCHED_STATEMENT_LINE", "TKN001"), ("MATCHED", "D-00000001"), ("FEE", "TKN002"),
        ("AMOUNT_MISMATCH", "D-00000002"), ("MATCHED", "D-00000003"), ("REVERSAL", "D-00000003"),
        ("MATCHED", "D-00000005"), ("DUPLICATE", "D-00000005"), ("UNMATCHED_STATEMENT_LINE", "TKN008"),
        ("MISSING_FROM_STATEMENT", "D-00000004")}
    with pytest.raises(OpenExceptions, match="6 exception"):
        sign_off(env, statement_id)

    resolve(env, statement_id, found[("UNMATCHED_STATEMENT_LINE", "TKN001")], "ADJUST", "Assets:Bank:EUTF")
    resolve(env, statement_id, found[("UNMATCHED_STATEMENT_LINE", "TKN008")], "ADJUST",
            "Assets:Receivable:MobileMoney")
    resolve(env, statement_id, found[("AMOUNT_MISMATCH", "D-00000002")], "ADJUST",
            "Expenses:Reconciliation:Differences")
    resolve(env, statement_id, found[("DUPLICATE", "D-00000005")], "ADJUST", "Assets:Receivable:MobileMoney")
    resolve(env, statement_id, found[("REVERSAL", "D-00000003")], "REVERSE_PAYMENT")
    resolve(env, statement_id, found[("MISSING_FROM_STATEMENT", "D-00000004")], "REVERSE_PAYMENT")
    assert sign_off(env, statement_id) == "SIGNED_OFF"

    directory = env[1].directory
    report = verify(str(directory))
    assert report.ok, report
    text = (directory / "2026" / "2026-11.beancount").read_text()
    assert "2026-11-25 balance Assets:MobileMoney:SimMobile:Float  409.50 USD" in text
    assert text.count('entry: "fee"') == 1 and text.count('entry: "correction"') == 2
    assert "P-7K3M9Q" not in text.split('entry: "fee"')[1].split("\n\n")[0]  # the fee says nothing of the payee
    with Session(env[0]) as session:
        statuses = {p.disbursement_id: p.status for p in session.scalars(select(Posting))}
    assert statuses["D-00000003"] == statuses["D-00000004"] == "REVERSED" and statuses["D-00000001"] == "PAID"
    told = {event.disbursement_id: event for event in env[3]}  # livelihoods may pay these tranches again
    assert set(told) == {"D-00000003", "D-00000004"} and told["D-00000003"].reason == REVERSED_REASON
    with Session(env[0]) as session:
        balances = {row.account: row.balance for row in session.scalars(select(AccountBalance))}
    assert balances["Liabilities:Payable:Grants"] == 0  # the reversed payments' payables were cancelled
    assert balances["Expenses:Livelihoods:Grants:LG-2026"] == Decimal("450.00")  # 100 + 250 + 100 stay spent


def test_sign_off_is_refused_while_the_float_disagrees_with_the_statement(paid):
    env, ref = paid
    statement_id = imported(env, every_exception_kind(ref))
    for item_id in items(env, statement_id).values():
        try:
            resolve(env, statement_id, item_id, "ACCEPT")
        except Conflict:
            pass  # matched lines and fees have nothing to resolve
    before = head(env)
    with pytest.raises(BalanceMismatch, match="statement closes at 409.50"):
        sign_off(env, statement_id)
    assert head(env) == before and "balance" not in (env[1].directory / "2026" / "2026-11.beancount").read_text()


def test_reimporting_the_same_statement_changes_nothing(paid):
    env, ref = paid
    text = every_exception_kind(ref)
    first = imported(env, text)
    transactions = head(env)
    with Session(env[0]) as session:
        count = session.scalar(select(func.count()).select_from(StatementItem))
    assert run(env, lambda session, recon: recon.import_statement(text, "fin2")) [1] is False
    assert imported(env, text) == first and head(env) == transactions
    with Session(env[0]) as session:
        assert session.scalar(select(func.count()).select_from(StatementItem)) == count
        assert session.scalar(select(func.count()).select_from(Statement)) == 1


def test_a_statement_repeating_another_ones_receipts_is_refused(paid):
    env, ref = paid
    imported(env, every_exception_kind(ref))
    overlapping = statement(*rows_with_balances(Decimal(0), (
        "TKN008", "13:00:00", "Business payment to unknown", "Completed", "", "30.00", "SIMUNKNOWN"), (
        "TKN009", "14:00:00", "Business payment", "Completed", "", "5.00", "SIMOTHER")))
    with pytest.raises(Conflict, match="TKN008 was already imported"):
        imported(env, overlapping)


@pytest.mark.parametrize("text, message", [
    (statement("TKN1,2026-11-24 09:00:00,x,Completed,,1.00,1.00,R", account="Assets:MobileMoney:Other:Float"),
     "is for Assets:MobileMoney:Other:Float"),
    (statement("TKN1,2026-11-24 09:00:00,x,Completed,,1.00,1.00,R", account=None), "cannot be told whose"),
    (statement("TKN1,2026-11-24,x,Completed,,1.00,1.00,R"), "not a date and time"),
    (statement("TKN1,2026-11-24 09:00:00,x,Completed,,1.0.0,1.00,R"), "is not an amount"),
    (statement(header="Receipt No.,Completion Time,Details"), "has no column"),
    (statement(), "has no lines"),
])
def test_a_bad_statement_is_refused_and_nothing_is_kept(paid, text, message):
    env, _ = paid
    transactions = head(env)
    with pytest.raises(ValidationFailed, match=message):
        imported(env, text)
    assert head(env) == transactions
    with Session(env[0]) as session:
        assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_wrong_resolutions_are_refused_without_a_change(paid):
    env, ref = paid
    statement_id = imported(env, every_exception_kind(ref))
    found = items(env, statement_id)
    unmatched = found[("UNMATCHED_STATEMENT_LINE", "TKN008")]
    transactions = head(env)
    with pytest.raises(ValidationFailed, match="unknown account Assets:Nowhere"):
        resolve(env, statement_id, unmatched, "ADJUST", "Assets:Nowhere")
    with pytest.raises(ValidationFailed, match="needs the account"):
        resolve(env, statement_id, unmatched, "ADJUST")
    with pytest.raises(ValidationFailed, match="not to the float|float itself"):
        resolve(env, statement_id, unmatched, "ADJUST", FLOAT)
    with pytest.raises(ValidationFailed, match="REVERSE_PAYMENT is for"):
        resolve(env, statement_id, unmatched, "REVERSE_PAYMENT")
    with pytest.raises(Conflict, match="nothing to resolve"):
        resolve(env, statement_id, found[("MATCHED", "D-00000001")], "ACCEPT")
    with pytest.raises(NotFound):
        resolve(env, statement_id, 999_999, "ACCEPT")
    with pytest.raises(NotFound):
        resolve(env, "S-NOSUCH", unmatched, "ACCEPT")
    assert head(env) == transactions
    resolve(env, statement_id, unmatched, "ACCEPT")
    with pytest.raises(Conflict, match="already resolved"):
        resolve(env, statement_id, unmatched, "ACCEPT")


def signed_off_top_up(env) -> str:
    """A statement showing only a top-up of 1,000, every payment adjusted as in transit."""
    rows = rows_with_balances(Decimal(0), ("TKN1", "08:00:00", "Funds transfer from bank", "Completed", "1000.00",
                                           "", "BANK-1"))
    statement_id = imported(env, statement(*rows))
    found = items(env, statement_id)
    resolve(env, statement_id, found[("UNMATCHED_STATEMENT_LINE", "TKN1")], "ADJUST", "Assets:Bank:EUTF")
    for disbursement_id in PAYMENTS:
        resolve(env, statement_id, found[("MISSING_FROM_STATEMENT", disbursement_id)], "ADJUST",
                "Assets:Receivable:MobileMoney", reason="paid on the 25th: on next month's statement")
    assert sign_off(env, statement_id) == "SIGNED_OFF"
    return statement_id


def test_nothing_changes_in_a_signed_off_statement(paid):
    env, _ = paid
    statement_id = signed_off_top_up(env)
    with pytest.raises(Conflict, match="signed off"):
        sign_off(env, statement_id)
    with pytest.raises(Conflict, match="signed off"):
        resolve(env, statement_id, 1, "ACCEPT")
    assert verify(str(env[1].directory)).ok


def test_an_edited_balance_assertion_is_caught_and_a_whole_one_survives_recovery(paid):
    env, _ = paid
    engine, files, rail, events = env
    signed_off_top_up(env)
    path = files.period_file(DAY)
    text = path.read_text()
    assert text.rstrip().rsplit("\n", 1)[0].endswith("balance Assets:MobileMoney:SimMobile:Float  1000.00 USD")
    with Session(engine) as session, session.begin():
        assert recover(session, LedgerWriter(session, files, rail), lambda *events: None) == []
    assert path.read_text() == text
    head_text, _, assertion = text.rpartition("balance ")
    path.write_text(head_text + "balance " + assertion.replace("1000.00", "1100.00"))
    report = verify(str(files.directory))
    line = len(text.splitlines()) - 1
    assert report.chain_errors == [f"2026-11.beancount:{line}: {BROKEN}"], report
    assert any("Balance failed" in error for error in report.beancount_errors), report
    path.write_text(text)  # the test's ledger must verify


def test_an_entry_dated_in_an_earlier_month_joins_the_latest_file_and_verifies(paid):
    env, ref = paid
    engine, files, rail, events = env
    with Session(engine) as session, session.begin():
        LedgerWriter(session, files, rail).post_disbursement(command(
            disbursement_id="D-00000009", idempotency_key="grant:G-9:t1:a1", reference="G-9"), today=date(2026, 12, 2))
    statement_id = imported(env, every_exception_kind(ref))  # a November statement with a fee
    december = files.period_file(date(2026, 12, 1)).read_text()
    assert 'entry: "fee"' in december and december.index('entry: "fee"') > december.index("D-00000009")
    assert 'entry: "fee"' not in files.period_file(DAY).read_text()
    assert verify(str(files.directory)).ok
    found = items(env, statement_id)
    with pytest.raises(OpenExceptions):
        sign_off(env, statement_id)
    assert ("MISSING_FROM_STATEMENT", "D-00000009") not in found  # paid after the statement's last day


def test_a_correction_reverses_an_entry_once_and_links_to_it(paid):
    env, _ = paid
    engine, files, rail, events = env
    digest = payment_hash(files.directory, "D-00000001")
    with Session(engine) as session, session.begin():
        done = reverse(session, LedgerWriter(session, files, rail), digest, "paid to the wrong wallet", "fin1", DAY,
                       collect(events))
    assert done["entry"] == "payment"
    text = files.period_file(DAY).read_text()
    assert f'reverses: "{digest}"' in text and f"^reverses-{digest[:16]}" in text
    assert verify(str(files.directory)).ok
    with Session(engine) as session, session.begin():
        with pytest.raises(Conflict, match="already been reversed"):
            reverse(session, LedgerWriter(session, files, rail), digest, "again", "fin1", DAY, collect(events))
        with pytest.raises(NotFound):
            reverse(session, LedgerWriter(session, files, rail), "a" * 64, "no such entry", "fin1", DAY, collect(events))
        with pytest.raises(ValidationFailed):
            reverse(session, LedgerWriter(session, files, rail), "not-a-hash", "bad", "fin1", DAY, collect(events))


def crash_before_commit(env, work):
    """Run `work(session, recon)`, its entries reaching the files, then lose the index
    transaction as a writer killed before its commit would; then start-up recovery."""
    engine, files, rail, events = env
    with Session(engine) as session:
        session.begin()
        work(session, Reconciliation(session, LedgerWriter(session, files, rail), "SimMobile", "USD", collect(events)))
        session.rollback()
    with Session(engine) as session, session.begin():
        return recover(session, LedgerWriter(session, files, rail), lambda *events: None)


def test_an_import_retried_after_a_crash_does_not_post_its_fees_twice(paid):
    env, ref = paid
    text = every_exception_kind(ref)
    crash_before_commit(env, lambda session, recon: recon.import_statement(text, "fin1"))
    def fees():
        return sum(path.read_text().count('entry: "fee"') for path in env[1].directory.rglob("20*.beancount"))

    assert fees() == 1
    statement_id = imported(env, text)
    assert fees() == 1 and ("FEE", "TKN002") in items(env, statement_id)
    assert verify(str(env[1].directory)).ok


def test_a_correction_interrupted_by_a_crash_is_recorded_by_recovery(paid):
    env, _ = paid
    engine, files, rail, events = env
    digest = payment_hash(files.directory, "D-00000002")
    crash_before_commit(env, lambda session, recon: reverse(session, recon.ledger, digest, "wrong wallet", "fin1", DAY, recon.emit))
    with Session(engine) as session, session.begin():
        with pytest.raises(Conflict, match="already been reversed"):
            reverse(session, LedgerWriter(session, files, rail), digest, "wrong wallet", "fin1", DAY, collect(events))
        assert session.scalar(select(Posting.status).where(Posting.disbursement_id == "D-00000002")) == "REVERSED"
    assert files.period_file(DAY).read_text().count(f'reverses: "{digest}"') == 1
    assert verify(str(files.directory)).ok

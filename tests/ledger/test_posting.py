"""Posting rules against a real SQLite index and real Beancount files."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.ledger.book.files import LedgerFiles
from services.ledger.book.data import Leg, Transaction
from services.ledger.models import Posting
from services.ledger.writer.posting import LedgerWriter, index_checkpoint
from services.ledger.rail import SimulatedRail
from services.ledger.verification.verify import verify
from shared.contracts import DisbursementRequested
from shared.db import make_engine
from shared.errors import IdempotencyConflict
from tests.databases import migrated_sqlite_file

DAY = date(2026, 11, 23)


@pytest.fixture
def ledger_env(tmp_path):
    url = migrated_sqlite_file("ledger", tmp_path / "ledger.db")
    engine = make_engine(url)
    files = LedgerFiles(str(tmp_path / "books"), "Test", date(2026, 1, 1))
    files.ensure_created()
    rail = SimulatedRail("SimMobile", decline_participants=["P-DECL00"])
    yield engine, files, rail
    engine.dispose()


def index_anchor(engine):
    """The chain heads the index holds, as verify takes them."""
    with Session(engine) as session:
        return index_checkpoint(session)


def command(**overrides):
    fields = dict(disbursement_id="D-AAAA0001", idempotency_key="grant:G-1:t1:a1", participant_id="P-7K3M9Q",
                  programme="LG-2026", kind="GRANT", amount=Decimal("450.00"), currency="USD", reference="G-1")
    return DisbursementRequested(**{**fields, **overrides})


def post(env, cmd, day=DAY):
    engine, files, rail = env
    with Session(engine) as session, session.begin():
        outcome = LedgerWriter(session, files, rail).post_disbursement(cmd, today=day)
        return outcome.posting.status, outcome.replayed


def period_text(env, day=DAY):
    return env[1].period_file(day).read_text()


def test_payment_posts_payable_then_payment_and_validates(ledger_env):
    assert post(ledger_env, command()) == ("PAID", False)
    text = period_text(ledger_env)
    assert text.count('entry: "payable"') == 1 and text.count('entry: "payment"') == 1
    assert "Assets:MobileMoney:SimMobile:Float  -450.00 USD" in text
    report = verify(str(ledger_env[1].directory))
    assert report.ok, report
    assert report.transactions == 2


def test_same_key_same_content_is_replayed_without_writing(ledger_env):
    post(ledger_env, command())
    before = period_text(ledger_env)
    assert post(ledger_env, command()) == ("PAID", True)
    assert period_text(ledger_env) == before


def test_same_key_different_amount_is_a_conflict_and_writes_nothing(ledger_env):
    post(ledger_env, command())
    before = period_text(ledger_env)
    with pytest.raises(IdempotencyConflict):
        post(ledger_env, command(amount=Decimal("999.00")))
    assert period_text(ledger_env) == before
    with Session(ledger_env[0]) as session:
        assert session.get(Posting, "grant:G-1:t1:a1").amount == Decimal("450.00")


def test_declined_payment_reverses_the_payable(ledger_env):
    assert post(ledger_env, command(participant_id="P-DECL00")) == ("FAILED", False)
    text = period_text(ledger_env)
    assert 'entry: "reversal"' in text and 'entry: "payment"' not in text
    assert verify(str(ledger_env[1].directory)).ok


def test_months_go_to_their_own_included_file(ledger_env):
    post(ledger_env, command(), day=date(2026, 11, 30))
    post(ledger_env, command(disbursement_id="D-AAAA0002", idempotency_key="k2"), day=date(2026, 12, 1))
    main = (ledger_env[1].directory / "main.beancount").read_text()
    assert 'include "2026/2026-11.beancount"' in main and 'include "2026/2026-12.beancount"' in main
    assert verify(str(ledger_env[1].directory)).transactions == 4


def test_an_edited_amount_is_found_by_verify(ledger_env):
    post(ledger_env, command())
    post(ledger_env, command(disbursement_id="D-AAAA0002", idempotency_key="k2", amount=Decimal("10.00")))
    path = ledger_env[1].period_file(DAY)
    path.write_text(path.read_text().replace("450.00 USD", "540.00 USD"))
    report = verify(str(ledger_env[1].directory))
    assert report.beancount_errors == []  # still balances: only the chain notices
    assert report.chain_errors and "2026-11.beancount" in report.chain_errors[0]


def test_the_trial_balance_from_the_index_matches_beancount(ledger_env):
    from beancount import loader

    from services.ledger.reports.from_index import as_csv, trial_balance

    post(ledger_env, command())
    post(ledger_env, command(disbursement_id="D-AAAA0002", idempotency_key="k2", participant_id="P-DECL00"))
    post(ledger_env, command(disbursement_id="D-AAAA0003", idempotency_key="k3", amount=Decimal("12.34")))
    with Session(ledger_env[0]) as session:
        report = trial_balance(session)
    assert report["totals"] == {"USD": "0.00"}
    entries, errors, _ = loader.load_file(str(ledger_env[1].directory / "main.beancount"))
    assert errors == []
    expected: dict[str, Decimal] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", []):
            expected[posting.account] = expected.get(posting.account, Decimal(0)) + posting.units.number
    assert {row["account"]: Decimal(row["balance"]) for row in report["accounts"]} == expected
    assert expected["Assets:MobileMoney:SimMobile:Float"] == Decimal("-462.34")
    assert as_csv(report["accounts"]).splitlines()[0] == "account,currency,balance"


def test_verify_finds_a_key_posted_twice(ledger_env):
    """A second payable for the same key, sealed into the chain as if the index had been bypassed."""
    post(ledger_env, command())
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        LedgerWriter(session, files, rail).append(Transaction(DAY, "Grant payable", (
            Leg("Expenses:Livelihoods:Grants:LG-2026", Decimal("450.00"), "USD"),
            Leg("Liabilities:Payable:Grants", Decimal("-450.00"), "USD")),
            {"idempotency-key": "grant:G-1:t1:a1", "entry": "payable"}))
    report = verify(str(files.directory), index_anchor(engine))
    assert report.chain_errors == [] and len(report.key_errors) == 1
    assert "grant:G-1:t1:a1 (payable) already at 2026-11.beancount" in report.key_errors[0]


def test_a_line_break_in_a_ledger_string_is_refused(ledger_env):
    txn = Transaction(DAY, "Funding\n2026-01-01 open Assets:Injected", (
        Leg("Assets:Bank:EUTF", Decimal("1.00"), "USD"), Leg("Income:Donor:EUTF", Decimal("-1.00"), "USD")))
    with pytest.raises(ValueError, match="line break"):
        ledger_env[1].append(txn, "0" * 64)
    assert 'Injected' not in period_text(ledger_env)


def test_a_transaction_that_does_not_balance_is_never_written(ledger_env):
    with pytest.raises(ValueError, match="does not balance"):
        Transaction(DAY, "Unbalanced", (Leg("Assets:Bank:EUTF", Decimal("1.00"), "USD"),
                                        Leg("Income:Donor:EUTF", Decimal("-0.99"), "USD")))
    with pytest.raises(ValueError, match="does not balance"):
        Transaction(DAY, "Two currencies", (Leg("Assets:Bank:EUTF", Decimal("1.00"), "USD"),
                                            Leg("Income:Donor:EUTF", Decimal("-1.00"), "EUR")))

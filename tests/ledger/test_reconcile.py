"""The rail statement: parsing, the beangulp importer (in process and from its command line),
reconciliation against the payments the ledger made, and fee postings that keep the ledger valid."""
import random
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import printer
from beangulp import exceptions as beangulp_errors
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.models import Posting
from services.ledger.reconciliation.matcher import (ExpectedPayment, Outcome, expected_from_entries, expected_from_postings,
                                       reconcile)
from services.ledger.reconciliation.importer import (FEE_ACCOUNT, StatementImporter, StatementLine, read_statement,
                                                statement_account)
from shared.errors import ValidationFailed
from tests.ledger.test_posting import command, ledger_env, post  # noqa: F401  (the fixture)

STATEMENTS = Path(__file__).parent / "statements"
FLOAT = "Assets:MobileMoney:SimMobile:Float"
HEADER = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference"
ROOT = Path(__file__).resolve().parents[2]


def statement(*rows: str, account: str | None = FLOAT, header: str = HEADER) -> str:
    preamble = [f"Account: {account}"] if account else []
    return "\n".join([*preamble, header, *rows]) + "\n"


def line(receipt="R1", withdrawn="100.00", reference="SIMA", details="Business payment", status="Completed",
         paid_in="0.00", balance="1000.00", at=datetime(2026, 11, 24, 9, 0)) -> StatementLine:
    return StatementLine(receipt, at, details, status, Decimal(paid_in), Decimal(withdrawn), Decimal(balance),
                         reference)


def expect(disbursement_id, reference, amount, currency="USD") -> ExpectedPayment:
    return ExpectedPayment(disbursement_id, reference, Decimal(amount), currency)


# --- parsing -----------------------------------------------------------------------------------

def test_a_statement_is_read_into_decimal_lines_in_file_order():
    lines = read_statement(STATEMENTS / "simmobile_2026-11.csv", account=FLOAT)
    assert [one.receipt for one in lines] == ["TKN1A00001", "TKN1A00001", "TKN1A00002", "TKN1A00002",
                                              "TKN1A00003", "TKN1A00004"]
    first = lines[0]
    assert first.completed_at == datetime(2026, 11, 23, 10, 15, 2)
    assert first.details == "Business payment to P-7K3M9Q" and first.status == "Completed"
    assert (first.paid_in, first.withdrawn, first.balance) == (Decimal("0.00"), Decimal("450.00"), Decimal("1550.00"))
    assert first.reference == "SIM784288320F3A" and first.line == 3
    assert lines[2].withdrawn == Decimal("120.00")  # printed as -120.00: withdrawals are magnitudes
    assert lines[5].reference == "" and lines[5].is_fee and not lines[0].is_fee
    for one in lines:
        for amount in (one.paid_in, one.withdrawn, one.balance):
            assert type(amount) is Decimal


def test_the_text_reads_like_the_file_and_names_its_account():
    path = STATEMENTS / "simmobile_2026-11.csv"
    assert read_statement(path.read_text()) == read_statement(path)
    with pytest.raises(ValidationFailed, match="no column header|has no column"):
        read_statement(str(path))  # a string is the statement itself: a file name is never opened
    assert read_statement("\ufeff" + path.read_text()) == read_statement(path)  # a spreadsheet's BOM
    assert statement_account(path) == FLOAT
    assert statement_account(statement(account=None)) is None


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored():
    header = "Other Party Reference,Balance,Withdrawn,Paid In,Transaction Status,Details,Completion Time,Receipt No.,Memo"
    [one] = read_statement(statement("SIMA,900.00,100.00,,completed,Business payment,2026-11-24T09:00:00,R1,x",
                                     header=header))
    assert (one.receipt, one.reference, one.withdrawn, one.balance, one.status) == (
        "R1", "SIMA", Decimal("100.00"), Decimal("900.00"), "Completed")
    assert one.completed_at == datetime(2026, 11, 24, 9, 0)


def test_a_missing_column_is_refused_by_name():
    with pytest.raises(ValidationFailed, match=r"line 2: the statement has no column 'Balance'"):
        read_statement(STATEMENTS / "missing_column.csv", account=FLOAT)


def test_a_bad_date_is_refused_naming_the_row():
    with pytest.raises(ValidationFailed, match=r"line 4 \(receipt TKN4D00002\): Completion Time '23/11/2026 10:16'"):
        read_statement(STATEMENTS / "bad_date.csv", account=FLOAT)


def test_a_bad_amount_is_refused_naming_the_row():
    with pytest.raises(ValidationFailed, match=r"line 4 \(receipt TKN5E00002\): Withdrawn '12O.00' is not an amount"):
        read_statement(STATEMENTS / "bad_amount.csv", account=FLOAT)


@pytest.mark.parametrize("row, message", [
    ("R9,2026-11-24 09:00:00,Pay,Completed,,1.005,10.00,S", r"Withdrawn '1.005' is not an amount"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,\"1,23.00\",10.00,S", r"Withdrawn '1,23.00' is not an amount"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,1e3,10.00,S", r"Withdrawn '1e3' is not an amount"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,NaN,10.00,S", r"Withdrawn 'NaN' is not an amount"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,-5.00,,10.00,S", r"Paid In '-5.00' is negative"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,,10.00,S", r"exactly one of Paid In and Withdrawn"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,5.00,5.00,10.00,S", r"exactly one of Paid In and Withdrawn"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,5.00,,S", r"Balance is empty"),
    ("R9,2026-11-24 09:00:00,Pay,Pending,,5.00,10.00,S", r"Transaction Status 'Pending' is not Completed or Reversed"),
    ("R9,2026-11-31 09:00:00,Pay,Completed,,5.00,10.00,S", r"Completion Time '2026-11-31 09:00:00'"),
    (",2026-11-24 09:00:00,Pay,Completed,,5.00,10.00,S", r"line 3: Receipt No. is empty"),
    ("R9,2026-11-24 09:00:00,Pay,Completed,,5.00", r"line 3: 6 fields, the header has 8"),
])
def test_bad_rows_are_refused_with_the_reason(row, message):
    good = "R0,2026-11-24 08:00:00,Pay,Completed,,1.00,11.00,S0"
    with pytest.raises(ValidationFailed, match=message):
        read_statement(statement(row, good))
    assert len(read_statement(statement(good))) == 1  # the same file without the bad row is fine


def test_a_statement_for_another_account_is_refused():
    with pytest.raises(ValidationFailed, match=r"for Assets:MobileMoney:OtherRail:Float, not " + FLOAT):
        read_statement(STATEMENTS / "wrong_account.csv", account=FLOAT)
    with pytest.raises(ValidationFailed, match=r"does not start with 'Account: "):
        read_statement(statement("R1,2026-11-24 09:00:00,Pay,Completed,,1.00,9.00,S", account=None), account=FLOAT)
    # Without an expected account the caller takes whatever account the file names.
    assert len(read_statement(STATEMENTS / "wrong_account.csv")) == 1


# --- the beangulp importer ---------------------------------------------------------------------

def test_the_importer_identifies_only_its_own_accounts_statements(tmp_path):
    importer = StatementImporter(FLOAT, "USD")
    assert importer.identify(str(STATEMENTS / "simmobile_2026-11.csv"))
    assert importer.identify(str(STATEMENTS / "exceptions.csv"))
    assert not importer.identify(str(STATEMENTS / "wrong_account.csv"))
    assert not importer.identify(str(STATEMENTS / "missing_column.csv"))
    assert StatementImporter("Assets:MobileMoney:OtherRail:Float", "USD").identify(str(STATEMENTS / "wrong_account.csv"))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    assert not importer.identify(str(binary))
    renamed = tmp_path / "statement.txt"
    shutil.copy(STATEMENTS / "simmobile_2026-11.csv", renamed)
    assert not importer.identify(str(renamed))
    assert importer.account(str(STATEMENTS / "simmobile_2026-11.csv")) == FLOAT
    assert importer.date(str(STATEMENTS / "simmobile_2026-11.csv")) == date(2026, 11, 23)


def test_extract_gives_fee_transactions_only():
    importer = StatementImporter(FLOAT, "USD")
    entries = importer.extract(str(STATEMENTS / "simmobile_2026-11.csv"), [])
    assert [entry.meta["rail-receipt"] for entry in entries] == ["TKN1A00001", "TKN1A00002", "TKN1A00004"]
    for entry in entries:
        data.sanity_check_types(entry)
        assert isinstance(entry, data.Transaction) and entry.date == date(2026, 11, 23)
        assert entry.meta["entry"] == "fee"
        fee, paid_from = entry.postings
        assert fee.account == FEE_ACCOUNT and paid_from.account == FLOAT
        assert fee.units.number == -paid_from.units.number > 0 and fee.units.currency == "USD"
    assert [entry.postings[0].units.number for entry in entries] == [Decimal("0.50"), Decimal("0.50"), Decimal("2.00")]
    assert entries[0].meta["rail-reference"] == "SIM784288320F3A" and "rail-reference" not in entries[2].meta
    # Reversals and money paid in are not fees, even when their details mention a charge.
    assert importer.extract(str(STATEMENTS / "exceptions.csv"), [])[0].meta["rail-receipt"] == "TKN2B00001"
    assert len(importer.extract(str(STATEMENTS / "exceptions.csv"), [])) == 1


def test_a_reversed_charge_is_not_extracted_as_a_fee(tmp_path):
    path = tmp_path / "reversed.csv"
    path.write_text(statement("R1,2026-11-24 09:00:00,Business payment charge,Reversed,,0.50,9.50,SIMA",
                              "R2,2026-11-24 09:01:00,Business payment charge,Completed,,0.50,9.00,SIMB"))
    importer = StatementImporter(FLOAT, "USD")
    assert [entry.meta["rail-receipt"] for entry in importer.extract(str(path), [])] == ["R2"]


def test_extract_refuses_a_bad_or_foreign_statement_with_beangulps_error():
    importer = StatementImporter(FLOAT, "USD")
    for name, reason in [("wrong_account.csv", "OtherRail"), ("bad_amount.csv", "12O.00")]:
        with pytest.raises(beangulp_errors.Error) as raised:
            importer.extract(str(STATEMENTS / name), [])
        assert reason in str(raised.value) and isinstance(raised.value.__cause__, ValidationFailed)


def test_fees_already_in_the_ledger_are_marked_duplicate_by_receipt():
    importer = StatementImporter(FLOAT, "USD")
    path = str(STATEMENTS / "simmobile_2026-11.csv")
    existing = importer.extract(path, [])[:1]
    entries = importer.extract(path, [])
    importer.deduplicate(entries, existing)
    assert ["__duplicate__" in entry.meta for entry in entries] == [True, False, False]


def test_the_beangulp_command_line_extracts_and_identifies():
    run = [sys.executable, "-m", "services.ledger.reconciliation.importer"]
    out = subprocess.run([*run, "extract", str(STATEMENTS / "simmobile_2026-11.csv")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    entries, errors, _ = loader.load_string(f"2026-01-01 open {FLOAT}\n2026-01-01 open {FEE_ACCOUNT}\n" + out.stdout)
    assert errors == [] and len(entries) == 5
    assert 'rail-receipt: "TKN1A00004"' in out.stdout and "450.00" not in out.stdout
    bad = subprocess.run([*run, "extract", str(STATEMENTS / "bad_date.csv")], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "23/11/2026 10:16" in bad.stderr and "Traceback" not in bad.stderr


# --- reconciliation ----------------------------------------------------------------------------

EXPECTED = [expect("D-1", "SIMAAAA", "100.00"), expect("D-2", "SIMBBBB", "200.00"),
            expect("D-3", "SIMCCCC", "300.00"), expect("D-4", "SIMDDDD", "50.00")]


def test_every_line_ends_matched_a_fee_or_an_exception():
    lines = read_statement(STATEMENTS / "exceptions.csv", account=FLOAT)
    result = reconcile(lines, EXPECTED)
    assert [(r.line.receipt, r.outcome, r.disbursement_id) for r in result.lines] == [
        ("TKN2B00001", Outcome.MATCHED, "D-1"),
        ("TKN2B00001", Outcome.FEE, None),
        ("TKN2B00002", Outcome.AMOUNT_MISMATCH, "D-2"),
        ("TKN2B00003", Outcome.DUPLICATE, "D-1"),
        ("TKN2B00004", Outcome.UNMATCHED_STATEMENT_LINE, None),
        ("TKN2B00005", Outcome.MATCHED, "D-4"),
        ("TKN2B00006", Outcome.REVERSAL, "D-4"),
        ("TKN2B00007", Outcome.UNMATCHED_STATEMENT_LINE, None),  # money paid in that is no reversal
    ]
    assert result.missing == (EXPECTED[2],)
    assert result.lines[2].expected_amount == Decimal("200.00") and result.lines[2].amount == Decimal("250.00")
    assert result.lines[3].duplicate_of == "TKN2B00001"
    assert result.counts() == {"MATCHED": 2, "FEE": 1, "TOP_UP": 0, "UNMATCHED_STATEMENT_LINE": 2, "AMOUNT_MISMATCH": 1,
                               "DUPLICATE": 1, "REVERSAL": 1, "RETURN": 0, "DATE_MISMATCH": 0,
                               "MISSING_FROM_STATEMENT": 1}
    assert [r.line.receipt for r in result.exceptions] == ["TKN2B00002", "TKN2B00003", "TKN2B00004",
                                                           "TKN2B00006", "TKN2B00007"]
    assert [fee.withdrawn for fee in result.fees] == [Decimal("0.50")] and not result.clean


def test_reconciling_again_gives_the_same_result_and_changes_no_input():
    lines = read_statement(STATEMENTS / "exceptions.csv", account=FLOAT)
    before_lines, before_expected = list(lines), list(EXPECTED)
    assert reconcile(lines, EXPECTED) == reconcile(lines, EXPECTED)
    assert lines == before_lines and EXPECTED == before_expected


def test_a_reference_seen_twice_is_a_duplicate_whatever_its_amount_or_receipt():
    result = reconcile([line("R1", "100.00", "SIMA"), line("R2", "100.00", "SIMA"), line("R3", "7.00", "SIMA"),
                        line("R4", "5.00", "SIMZ"), line("R5", "5.00", "SIMZ")],
                       [expect("D-1", "SIMA", "100.00")])
    assert [(r.outcome, r.duplicate_of) for r in result.lines] == [
        (Outcome.MATCHED, None), (Outcome.DUPLICATE, "R1"), (Outcome.DUPLICATE, "R1"),
        (Outcome.UNMATCHED_STATEMENT_LINE, None), (Outcome.DUPLICATE, "R4")]
    assert result.missing == ()


def test_a_charge_carrying_the_payments_reference_is_a_fee_not_a_duplicate():
    result = reconcile([line("R1", "100.00", "SIMA"), line("R1", "0.50", "SIMA", details="B2C Transaction Charge")],
                       [expect("D-1", "SIMA", "100.00")])
    assert [r.outcome for r in result.lines] == [Outcome.MATCHED, Outcome.FEE] and result.clean


def test_reversals_are_told_by_status_or_by_details():
    result = reconcile([line("R1", "50.00", "SIMA"),
                        line("R2", withdrawn="0.00", paid_in="50.00", reference="SIMA", status="Reversed"),
                        line("R3", withdrawn="0.00", paid_in="50.00", reference="SIMQ",
                             details="Reversal of transaction R0"),
                        line("R4", withdrawn="0.50", reference="SIMA", details="Charge reversal")],
                       [expect("D-1", "SIMA", "50.00")])
    assert [(r.outcome, r.disbursement_id) for r in result.lines] == [
        (Outcome.MATCHED, "D-1"), (Outcome.REVERSAL, "D-1"), (Outcome.REVERSAL, None), (Outcome.REVERSAL, "D-1")]


def test_a_payment_absent_from_the_statement_is_missing_and_a_reversal_alone_does_not_account_for_it():
    result = reconcile([line("R2", withdrawn="0.00", paid_in="50.00", reference="SIMA", status="Reversed")],
                       [expect("D-1", "SIMA", "50.00"), expect("D-2", "SIMB", "60.00")])
    assert [p.disbursement_id for p in result.missing] == ["D-1", "D-2"]
    assert result.counts()["MISSING_FROM_STATEMENT"] == 2


def test_another_currency_is_an_amount_mismatch_when_the_statements_currency_is_given():
    lines, expected = [line("R1", "100.00", "SIMA")], [expect("D-1", "SIMA", "100.00", currency="KES")]
    assert reconcile(lines, expected, currency="USD").lines[0].outcome is Outcome.AMOUNT_MISMATCH
    assert reconcile(lines, expected, currency="KES").lines[0].outcome is Outcome.MATCHED


def test_a_rail_reference_expected_twice_is_refused():
    with pytest.raises(ValidationFailed, match="SIMA is expected twice"):
        reconcile([], [expect("D-1", "SIMA", "1.00"), expect("D-2", "SIMA", "1.00")])


def test_a_hundred_thousand_lines_reconcile_to_the_known_mix():
    rng = random.Random(20261124)
    start = datetime(2026, 11, 1)
    lines, expected = [], []

    def add(n, kind, withdrawn="0.00", paid_in="0.00", reference="", details="Business payment", status="Completed"):
        lines.append(StatementLine(f"{kind}{n:07d}", start + timedelta(seconds=len(lines)), details, status,
                                   Decimal(paid_in), Decimal(withdrawn), Decimal("1.00"), reference))

    for n in range(60_000):      # matched
        amount = f"{100 + n % 900}.{n % 100:02d}"
        expected.append(ExpectedPayment(f"D-M{n:07d}", f"SIMM{n:08X}", Decimal(amount), "USD"))
        add(n, "M", withdrawn=amount, reference=f"SIMM{n:08X}")
    for n in range(10_000):      # amount mismatch
        expected.append(ExpectedPayment(f"D-A{n:07d}", f"SIMA{n:08X}", Decimal("100.00"), "USD"))
        add(n, "A", withdrawn="100.01", reference=f"SIMA{n:08X}")
    for n in range(7_000):       # missing from the statement
        expected.append(ExpectedPayment(f"D-X{n:07d}", f"SIMX{n:08X}", Decimal("100.00"), "USD"))
    for n in range(10_000):      # not expected
        add(n, "U", withdrawn="42.00", reference=f"SIMU{n:08X}")
    for n in range(5_000):       # the same payment twice on the statement
        add(n, "D", withdrawn=f"{100 + n % 900}.{n % 100:02d}", reference=f"SIMM{n:08X}")
    for n in range(5_000):       # money back
        add(n, "R", paid_in="55.00", reference=f"SIMM{n + 10_000:08X}", status="Reversed")
    for n in range(10_000):      # charges
        add(n, "F", withdrawn="0.50", reference=f"SIMM{n:08X}", details="Business payment charge")
    rng.shuffle(lines)
    rng.shuffle(expected)
    assert len(lines) == 100_000

    result = reconcile(lines, expected)

    assert result.counts() == {"MATCHED": 60_000, "FEE": 10_000, "TOP_UP": 0, "UNMATCHED_STATEMENT_LINE": 10_000,
                               "AMOUNT_MISMATCH": 10_000, "DUPLICATE": 5_000, "REVERSAL": 5_000,
                               "RETURN": 0, "DATE_MISMATCH": 0, "MISSING_FROM_STATEMENT": 7_000}
    assert len(result.lines) == 100_000
    assert {p.disbursement_id for p in result.missing} == {f"D-X{n:07d}" for n in range(7_000)}
    matched = {r.disbursement_id for r in result.lines if r.outcome is Outcome.MATCHED}
    assert matched == {f"D-M{n:07d}" for n in range(60_000)}
    for r in result.lines:
        if r.outcome is Outcome.MATCHED:
            assert r.disbursement_id == "D-M" + f"{int(r.line.reference[4:], 16):07d}"
    assert reconcile(lines, expected) == result


# --- against a ledger the service wrote --------------------------------------------------------

def test_a_posted_ledger_reconciles_and_stays_valid_with_the_extracted_fees(ledger_env, tmp_path):
    for n, amount in [(1, "450.00"), (2, "120.00"), (3, "75.50")]:
        post(ledger_env, command(disbursement_id=f"D-AAAA000{n}", idempotency_key=f"grant:G-{n}:t1:a1",
                                 reference=f"G-{n}", amount=Decimal(amount)))
    post(ledger_env, command(disbursement_id="D-AAAA0004", idempotency_key="grant:G-4:t1:a1", reference="G-4",
                             participant_id="P-DECL00", amount=Decimal("99.00")))  # declined: not expected
    engine, files, _rail = ledger_env
    entries, errors, _ = loader.load_file(str(files.main_file))
    assert errors == []
    from_ledger = expected_from_entries(entries, FLOAT)
    with Session(engine) as session:
        from_index = expected_from_postings(session.scalars(select(Posting).order_by(Posting.disbursement_id)))
    assert sorted(from_ledger, key=lambda p: p.disbursement_id) == from_index
    assert [p.disbursement_id for p in from_index] == ["D-AAAA0001", "D-AAAA0002", "D-AAAA0003"]

    path = STATEMENTS / "simmobile_2026-11.csv"
    result = reconcile(read_statement(path, account=FLOAT), from_index, currency="USD")
    assert result.clean and result.counts()["MATCHED"] == 3 and result.counts()["FEE"] == 3

    fees = StatementImporter(FLOAT, "USD").extract(str(path), entries)
    copy = tmp_path / "copy"
    shutil.copytree(files.directory, copy)
    lines = read_statement(path)
    opening = lines[0].balance + lines[0].withdrawn - lines[0].paid_in
    movement = lines[-1].balance - opening                   # what the statement says the float moved
    text = f"2026-01-01 open {FEE_ACCOUNT}\n\n" + "\n".join(printer.format_entry(fee) for fee in fees)
    (copy / "fees.beancount").write_text(text)
    with open(copy / "main.beancount", "a") as handle:
        handle.write('include "fees.beancount"\n')
    assert loader.load_file(str(copy / "main.beancount"))[1] == []

    # With the fees, the ledger's float agrees with the statement (the sign-off assertion);
    # without them, or with a wrong figure, Beancount says it does not.
    (copy / "signoff.beancount").write_text(f"2026-11-24 balance {FLOAT}  {movement:.2f} USD\n")
    with open(copy / "main.beancount", "a") as handle:
        handle.write('include "signoff.beancount"\n')
    assert movement == Decimal("-648.50")
    assert loader.load_file(str(copy / "main.beancount"))[1] == []
    (copy / "fees.beancount").write_text(f"2026-01-01 open {FEE_ACCOUNT}\n")
    assert loader.load_file(str(copy / "main.beancount"))[1] != []

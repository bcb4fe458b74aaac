"""`verify` on real ledger files: what it must catch, and the per-period load in worker
processes giving the same report as the whole-file load in this process."""
import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from services.ledger.book import chart
from services.ledger.book.files import LedgerFiles
from services.ledger.book.data import Leg, Transaction
from services.ledger.book.text import GENESIS, seal
from services.ledger.verification.verify import verify

FLOAT = chart.rail_float("SimMobile")
BANK, INCOME = chart.donor_accounts("Donor")
GRANTS, PAYABLE = chart.expense("GRANT", "LG-2026"), chart.PAYABLE["GRANT"]
FEES = "Expenses:Fees:MobileMoney"
MONTHS = [date(2026, 9, 10), date(2026, 10, 5), date(2026, 11, 20)]


def disbursement(n: int, day: date, amount: Decimal) -> list[Transaction]:
    meta = {"idempotency-key": f"grant:G-{n}:t1:a1", "disbursement-id": f"D-{n:08d}", "participant": "P-7K3M9Q",
            "programme": "LG-2026"}
    links = (f"disb-D-{n:08d}", f"grant-G-{n}")
    return [Transaction(day, "Grant payable", (Leg(GRANTS, amount, "USD"), Leg(PAYABLE, -amount, "USD")),
                        {**meta, "entry": "payable"}, links),
            Transaction(day, "Grant paid by SimMobile", (Leg(PAYABLE, amount, "USD"), Leg(FLOAT, -amount, "USD")),
                        {**meta, "entry": "payment", "rail-reference": f"SIM{n:06d}"}, links)]


class Ledger:
    """A ledger written through LedgerFiles, as the ledger service writes it: a funding, then a
    disbursement of 100.25, 200.25 and 300.25 in each of `months` months."""

    def __init__(self, directory, months: int = 3):
        self.files = LedgerFiles(str(directory), "Test", date(2026, 1, 1))
        self.files.ensure_created()
        for account in (BANK, INCOME, FLOAT, GRANTS, PAYABLE, FEES):
            self.files.open_account(account)
        self.head = GENESIS
        self.append(Transaction(MONTHS[0], "Funding received from Donor", (
            Leg(BANK, Decimal("5000.00"), "USD"), Leg(INCOME, Decimal("-5000.00"), "USD")),
            {"funding-reference": "BANK/1", "programme": "LG-2026", "entry": "funding"}))
        for month in range(months):
            self.disburse(month)

    def disburse(self, month: int) -> None:
        for txn in disbursement(month, MONTHS[month], Decimal(100 * (month + 1)) + Decimal("0.25")):
            self.append(txn)

    @property
    def directory(self) -> str:
        return str(self.files.directory)

    def path(self, day: date):
        return self.files.period_file(day)

    def append(self, txn: Transaction) -> None:
        self.head = self.files.append(txn, self.head)

    def append_sealed(self, day: date, lines: list[str]) -> None:
        """A transaction the Transaction class would refuse, sealed into the chain all the same."""
        text = "\n".join(lines)
        self.head = seal(self.head, text)
        head, _, rest = text.partition("\n")
        self.write(day, f'\n{head}\n  hash: "{self.head}"\n{rest}\n')

    def write(self, day: date, text: str) -> None:
        with open(self.path(day), "a", encoding="utf-8") as handle:
            handle.write(text)

    def line_of(self, day: date, needle: str) -> int:
        return next(number for number, line in enumerate(self.path(day).read_text().splitlines(), start=1)
                    if needle in line)


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "books")


def checked(ledger: Ledger, **kwargs):
    """verify's report, after checking that the per-period load in worker processes gives
    the same report as the whole-file load in this process."""
    whole = verify(ledger.directory, parallel=False, **kwargs)
    by_period = verify(ledger.directory, parallel=True, **kwargs)
    assert not whole.loaded_by_period and by_period.loaded_by_period
    assert dataclasses.replace(by_period, loaded_by_period=False) == whole
    return whole


def test_a_ledger_as_written_verifies_with_balance_assertions_between_its_transactions(ledger):
    ledger.write(MONTHS[2], f"\n2026-11-01 balance {FLOAT}  -300.50 USD\n\n2026-11-01 balance {PAYABLE}  0.00 USD\n")
    for txn in disbursement(3, date(2026, 11, 21), Decimal("5.00")):
        ledger.append(txn)
    report = checked(ledger, expected_head=ledger.head)
    assert report.ok, report
    assert report.transactions == 9


def test_a_wrong_balance_assertion_is_named_with_its_file_and_line(ledger):
    ledger.write(MONTHS[2], f"\n2026-11-01 balance {FLOAT}  -300.00 USD\n")
    report = checked(ledger)
    line = ledger.line_of(MONTHS[2], "balance")
    assert report.chain_errors == [] and len(report.beancount_errors) == 1
    assert report.beancount_errors[0].startswith(f"{ledger.path(MONTHS[2])}:{line}: Balance failed for '{FLOAT}'")


def test_a_hand_edit_is_named_with_the_file_and_line_of_the_first_broken_entry(ledger):
    path = ledger.path(MONTHS[1])
    path.write_text(path.read_text().replace("200.25 USD", "20.25 USD"))
    report = checked(ledger)
    assert report.chain_errors == [
        f"2026-10.beancount:{ledger.line_of(MONTHS[1], 'Grant payable')}: "
        "hash chain broken (edited, removed or reordered)"]
    assert report.beancount_errors == []  # both legs edited: it still balances, only the chain notices


def test_a_removed_transaction_breaks_the_chain_at_the_next_one(ledger):
    path = ledger.path(MONTHS[1])
    payable = path.read_text().split("\n\n")[1]
    path.write_text(path.read_text().replace(payable + "\n", ""))
    report = checked(ledger)
    assert report.chain_errors == [f"2026-10.beancount:{ledger.line_of(MONTHS[1], 'Grant paid')}: "
                                   "hash chain broken (edited, removed or reordered)"]


def test_a_removed_last_transaction_is_noticed_against_the_index(ledger):
    path = ledger.path(MONTHS[2])
    path.write_text(path.read_text().rsplit("\n\n", 1)[0] + "\n")
    assert checked(ledger).ok
    assert "removed from the end" in checked(ledger, expected_head=ledger.head).chain_errors[0]


def test_a_transaction_that_does_not_balance_is_a_beancount_error(tmp_path):
    ledger = Ledger(tmp_path, months=2)
    ledger.append_sealed(MONTHS[1], ['2026-10-06 * "Grant payable"', '  entry: "payable"',
                                     f"  {GRANTS}  10.00 USD", f"  {PAYABLE}  -9.00 USD"])
    ledger.disburse(2)
    report = checked(ledger)
    assert report.chain_errors == []
    assert report.beancount_errors == [f"{ledger.path(MONTHS[1])}:{ledger.line_of(MONTHS[1], '2026-10-06')}: "
                                       "Transaction does not balance: (1.00 USD)"]


def test_an_account_never_opened_is_a_beancount_error_and_nothing_else(tmp_path):
    """Its balance is not carried into the later files' loads, where it would be an error again."""
    ledger = Ledger(tmp_path, months=1)
    ledger.append_sealed(MONTHS[0], ['2026-09-11 * "Moved"', f"  {BANK}  -10.00 USD", "  Assets:Nowhere  10.00 USD"])
    ledger.disburse(1)
    ledger.write(MONTHS[1], f"\n2026-10-01 balance {BANK}  4990.00 USD\n")
    report = checked(ledger)
    assert [error.split(": ", 1)[1] for error in report.beancount_errors] == [
        "Invalid reference to unknown account 'Assets:Nowhere'"]
    assert report.beancount_errors[0].startswith(f"{ledger.path(MONTHS[0])}:{ledger.line_of(MONTHS[0], 'Moved')}:")


def test_a_key_posted_twice_in_two_files_names_both(ledger):
    ledger.append(disbursement(0, MONTHS[2], Decimal("100.25"))[0])
    report = checked(ledger)
    assert report.beancount_errors == [] and report.chain_errors == []
    assert report.key_errors == [
        f"2026-11.beancount:{ledger.line_of(MONTHS[2], 'grant-G-0')}: grant:G-0:t1:a1 (payable) already at "
        f"2026-09.beancount:{ledger.line_of(MONTHS[0], 'grant-G-0')}"]


def test_an_entry_key_appended_twice_is_named(ledger):
    fee = Transaction(MONTHS[2], "SimMobile fees", (
        Leg(FEES, Decimal("1.50"), "USD"), Leg(FLOAT, Decimal("-1.50"), "USD")),
        {"entry": "fee", "entry-key": "fee:R42"})
    ledger.append(fee)
    ledger.append(fee)
    report = checked(ledger)
    first, second = [n for n, line in enumerate(ledger.path(MONTHS[2]).read_text().splitlines(), start=1)
                     if "fees" in line]
    assert report.key_errors == [
        f"2026-11.beancount:{second}: fee:R42 (entry-key) already at 2026-11.beancount:{first}"]


def test_a_line_beancount_cannot_parse_is_a_beancount_error(ledger):
    ledger.write(MONTHS[1], f"\n2026-10-07 balance {FLOAT}\n")
    report = checked(ledger)
    assert len(report.beancount_errors) == 1 and report.chain_errors == []
    assert report.beancount_errors[0].startswith(f"{ledger.path(MONTHS[1])}:")
    assert "syntax error" in report.beancount_errors[0]


def test_an_error_in_the_main_file_is_named_on_its_own_line(ledger):
    main = ledger.files.main_file
    main.write_text(main.read_text() + 'option "booking_method" "NOPE"\n')
    report = checked(ledger)
    line = len(main.read_text().splitlines())
    assert report.beancount_errors == [f"{main}:{line}: Error for option 'booking_method': 'NOPE'"]


def test_a_missing_period_file_is_named(ledger):
    ledger.path(MONTHS[1]).unlink()
    report = verify(ledger.directory, parallel=True)
    assert report.chain_errors == [f"2026-11.beancount:{ledger.line_of(MONTHS[2], 'Grant payable')}: "
                                   "hash chain broken (edited, removed or reordered)"]
    assert any("2026/2026-10.beancount" in error for error in report.beancount_errors)


def test_balance_assertions_see_the_entries_of_every_file_by_date(ledger):
    """A backdated fee goes to the latest file; an assertion may sit in an earlier file than
    entries it covers. The per-period loads carry what other files add, day by day."""
    ledger.append(Transaction(date(2026, 9, 15), "SimMobile fees", (
        Leg(FEES, Decimal("1.50"), "USD"), Leg(FLOAT, Decimal("-1.50"), "USD")), {"entry": "fee"}))
    ledger.write(MONTHS[0], f"\n2026-12-01 balance {FLOAT}  -602.25 USD\n")
    ledger.write(MONTHS[2], f"\n2026-10-01 balance {FLOAT}  -101.75 USD\n\n2026-11-01 balance {FLOAT}  -302.00 USD\n")
    assert checked(ledger).ok
    ledger.write(MONTHS[1], f"\n2026-09-16 balance {FLOAT}  -100.25 USD\n")
    assert checked(ledger).beancount_errors == [
        f"{ledger.path(MONTHS[1])}:{ledger.line_of(MONTHS[1], 'balance')}: Balance failed for '{FLOAT}': "
        "expected -100.25 USD != accumulated -101.75 USD (1.50 too little)"]


def test_a_pad_directive_makes_the_files_load_whole(ledger):
    """A pad fills in for a later assertion, possibly in another file: one load sees both."""
    ledger.write(MONTHS[1], f"\n2026-10-01 pad {FLOAT} {BANK}\n")
    ledger.write(MONTHS[2], f"\n2026-11-01 balance {FLOAT}  0.00 USD\n")
    report = verify(ledger.directory, parallel=True)
    assert report.ok, report
    assert not report.loaded_by_period

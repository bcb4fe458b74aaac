"""`verify` on real ledger files: what it must catch, and the per-period load in worker
processes giving the same report as the whole-file load in this process."""
import dataclasses
import os
from datetime import date
from decimal import Decimal

import pytest

from services.ledger.book import chart
from services.ledger.book.files import LedgerFiles
from services.ledger.book.data import Balance, Close, Leg, Open, Transaction
from services.ledger.book.integrity import Anchor, Checkpoint
from services.ledger.book.text import GENESIS, seal
from services.ledger.book.integrity import BROKEN, UNCHAINED
from services.ledger.verification.verify import verify

FLOAT = chart.rail_float("SimMobile")
BANK, INCOME = chart.donor_accounts("Donor")
GRANTS, PAYABLE = chart.expense("GRANT", "LG-2026"), chart.PAYABLE["GRANT"]
FEES = "Expenses:Fees:MobileMoney"
OPENED = (BANK, INCOME, FLOAT, GRANTS, PAYABLE, FEES)
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
        self.chart = GENESIS
        for account in OPENED:
            self.chart = self.files.append(Open(date(2026, 1, 1), account), self.chart)
        self.head, self.entries = GENESIS, 0
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

    def append(self, entry: Transaction | Balance) -> None:
        self.head = self.files.append(entry, self.head)
        self.entries += 1

    def append_sealed(self, day: date, lines: list[str]) -> None:
        """A directive the ledger would refuse, or would put elsewhere, sealed into the chain
        in the file of `day`'s month all the same."""
        text = "\n".join(lines)
        self.head, self.entries = seal(self.head, text), self.entries + 1
        head, _, rest = text.partition("\n")
        self.write(day, "\n" + "\n".join([head, f'  hash: "{self.head}"', *([rest] if rest else [])]) + "\n")

    def balance(self, day: date, assertions: list[str]) -> None:
        """Balance assertions, chained, in the file of `day`'s month."""
        for assertion in assertions:
            self.append_sealed(day, [assertion])

    @property
    def anchor(self) -> Checkpoint:
        """What the index would hold for this ledger."""
        return Checkpoint(Anchor(self.entries, self.head), Anchor(len(OPENED), self.chart))

    def write(self, day: date, text: str) -> None:
        """Bytes the writer did not append, taken by it as inspected (as a restart would after a
        hand edit that keeps the chain), so the test goes on appending through it."""
        with open(self.path(day), "a", encoding="utf-8") as handle:
            handle.write(text)
        self.files.inspected()

    def line_of(self, day: date, needle: str) -> int:
        return next(number for number, line in enumerate(self.path(day).read_text().splitlines(), start=1)
                    if needle in line)


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "books")


def checked(ledger: Ledger, **kwargs):
    """verify's report with Beancount's pass added, after checking that the strict pass gives
    the same report in parts in worker processes as over the whole ledger in this process."""
    whole = verify(ledger.directory, parallel=False, beancount=False, **kwargs)
    by_parts = verify(ledger.directory, parallel=True, **kwargs)
    assert dataclasses.replace(by_parts, beancount_errors=[], loaded_by_period=False) == whole
    return by_parts


def as_beancount_says(report) -> list[str]:
    """Beancount's errors named as the strict pass names them (the file's name, not its path)."""
    return [os.path.basename(error) for error in report.beancount_errors]


def at(ledger: Ledger, day: date, needle: str, message: str) -> str:
    return f"{ledger.path(day).name}:{ledger.line_of(day, needle)}: {message}"


def test_a_ledger_as_written_verifies_with_balance_assertions_between_its_transactions(ledger):
    ledger.balance(MONTHS[2], [f"2026-11-01 balance {FLOAT}  -300.50 USD", f"2026-11-01 balance {PAYABLE}  0.00 USD"])
    for txn in disbursement(3, date(2026, 11, 21), Decimal("5.00")):
        ledger.append(txn)
    report = checked(ledger, anchor=ledger.anchor)
    assert report.ok, report
    assert (report.transactions, report.entries) == (9, 11 + len(OPENED))


def test_a_wrong_balance_assertion_is_named_with_its_file_and_line(ledger):
    ledger.balance(MONTHS[2], [f"2026-11-01 balance {FLOAT}  -300.00 USD"])
    report = checked(ledger)
    assert report.chain_errors == []
    assert report.book_errors == [at(ledger, MONTHS[2], "balance", f"Balance failed for '{FLOAT}': expected "
                                                                  "-300.00 USD != accumulated -300.50 USD (0.50 too little)")]
    assert as_beancount_says(report) == report.book_errors


def test_a_hand_edit_is_named_with_the_file_and_line_of_the_first_broken_entry(ledger):
    path = ledger.path(MONTHS[1])
    path.write_text(path.read_text().replace("200.25 USD", "20.25 USD", 2))  # both legs of the payable
    report = checked(ledger)
    assert report.chain_errors == [at(ledger, MONTHS[1], "Grant payable", BROKEN)]
    assert report.book_errors == report.beancount_errors == []  # both legs edited: it still balances, only the chain notices


def test_a_removed_transaction_breaks_the_chain_at_the_next_one(ledger):
    path = ledger.path(MONTHS[1])
    payable = path.read_text().split("\n\n")[1]
    path.write_text(path.read_text().replace(payable + "\n", ""))
    assert checked(ledger).chain_errors == [at(ledger, MONTHS[1], "Grant paid", BROKEN)]


def test_two_entries_swapped_are_named_where_the_order_breaks(ledger):
    path = ledger.path(MONTHS[1])
    header, payable, paid = path.read_text().split("\n\n")
    path.write_text("\n\n".join([header, paid.rstrip("\n"), payable + "\n"]))
    assert checked(ledger).chain_errors == [at(ledger, MONTHS[1], "Grant paid", BROKEN),
                                            at(ledger, MONTHS[1], "Grant payable", BROKEN),
                                            at(ledger, MONTHS[2], "Grant payable", BROKEN)]


def test_a_removed_last_entry_is_found_against_the_index_or_a_checkpoint(ledger):
    anchor = ledger.anchor
    path = ledger.path(MONTHS[2])
    path.write_text(path.read_text().rsplit("\n\n", 1)[0] + "\n")
    assert checked(ledger).ok
    message = "the chain ends here after 6 entries, the anchor holds 7: entries removed from the end"
    assert checked(ledger, anchor=anchor).chain_errors == [at(ledger, MONTHS[2], "Grant payable", message)]
    assert checked(ledger, anchor=anchor, appended_is_finding=False).chain_errors == [
        at(ledger, MONTHS[2], "Grant payable", message)]


def test_an_entry_appended_after_the_index_is_named_and_a_later_checkpoint_accepts_it(ledger):
    anchor = ledger.anchor
    ledger.append(Transaction(MONTHS[2], "SimMobile fees", (
        Leg(FEES, Decimal("1.50"), "USD"), Leg(FLOAT, Decimal("-1.50"), "USD")), {"entry": "fee"}))
    assert checked(ledger, anchor=anchor).chain_errors == [at(
        ledger, MONTHS[2], "SimMobile fees", "1 entries from here on were appended after the last one the index recorded")]
    assert checked(ledger, anchor=anchor, appended_is_finding=False).ok


def test_an_anchored_entry_replaced_with_a_rechained_one_is_named(ledger):
    anchor = ledger.anchor
    path = ledger.path(MONTHS[2])
    path.write_text(path.read_text().rsplit("\n\n", 1)[0] + "\n")
    ledger.files.inspected()  # the forger's own writer, started on the cut file
    ledger.head, ledger.entries = anchor.journal.head, anchor.journal.entries - 1
    previous = [entry for entry in path.read_text().split("\n\n") if "hash:" in entry][-1]
    ledger.head = previous.split('hash: "')[1][:64]
    ledger.append(Transaction(MONTHS[2], "Grant paid by SimMobile", (
        Leg(PAYABLE, Decimal("300.25"), "USD"), Leg(BANK, Decimal("-300.25"), "USD")), {"entry": "payment"}))
    assert checked(ledger).ok  # re-sealed: only the anchor tells
    assert checked(ledger, anchor=anchor).chain_errors == [at(
        ledger, MONTHS[2], "Grant paid", "entry 7 is not the one anchored (edited or replaced)")]


def test_balance_assertions_removed_or_added_are_named(ledger):
    ledger.balance(MONTHS[2], [f"2026-11-01 balance {FLOAT}  -300.50 USD"])
    for txn in disbursement(7, date(2026, 11, 21), Decimal("5.00")):
        ledger.append(txn)
    path = ledger.path(MONTHS[2])
    written = path.read_text()
    assertion = [block for block in written.split("\n\n") if " balance " in block][0]
    path.write_text(written.replace(assertion + "\n\n", ""))
    assert checked(ledger).chain_errors == [at(ledger, MONTHS[2], "^grant-G-7", BROKEN)]
    path.write_text(written + f"\n2026-11-02 balance {FLOAT}  -601.00 USD\n")
    assert checked(ledger).chain_errors == [at(ledger, MONTHS[2], "2026-11-02 balance", UNCHAINED)]


def test_a_pad_and_balance_pair_is_named_entry_by_entry(ledger):
    """A pad with its assertion would make Beancount itself agree: the chain does not."""
    ledger.write(MONTHS[2], f"\n2026-11-01 pad {FLOAT} {BANK}\n\n2026-11-02 balance {FLOAT}  900.00 USD\n")
    report = verify(ledger.directory, parallel=True)
    assert report.chain_errors == [at(ledger, MONTHS[2], "pad", UNCHAINED),
                                   at(ledger, MONTHS[2], "balance", UNCHAINED)]
    assert report.beancount_errors == [] and not report.loaded_by_period


def test_entries_in_the_main_file_or_the_chart_are_outside_the_chain(ledger):
    main, chart = ledger.files.main_file, ledger.files.directory / "accounts.beancount"
    main.write_text(main.read_text() + f"2026-11-03 * \"cash\"\n  {FLOAT}  5.00 USD\n  {BANK}  -5.00 USD\n")
    chart.write_text(chart.read_text() + "\n2026-01-01 open Assets:Hidden\n")
    lines = len(main.read_text().splitlines())
    report = checked(ledger)
    assert report.chain_errors[:2] == [
        f"main.beancount:{n}: not written by the ledger (the main file holds its header and one include per month, "
        "in order)" for n in (lines - 2, lines - 1)]
    assert f"accounts.beancount:{len(chart.read_text().splitlines())}: {UNCHAINED}" in report.chain_errors


def test_an_edited_account_in_the_chart_breaks_its_chain(ledger):
    chart = ledger.files.directory / "accounts.beancount"
    chart.write_text(chart.read_text().replace("Expenses:Fees:MobileMoney", "Expenses:Fees:Other"))
    line = next(n for n, text in enumerate(chart.read_text().splitlines(), start=1) if "Fees:Other" in text)
    assert f"accounts.beancount:{line}: {BROKEN}" in checked(ledger).chain_errors


def test_a_transaction_that_does_not_balance_is_found_as_beancount_finds_it(tmp_path):
    ledger = Ledger(tmp_path, months=2)
    ledger.append_sealed(MONTHS[1], ['2026-10-06 * "Grant payable"', '  entry: "payable"',
                                     f"  {GRANTS}  10.00 USD", f"  {PAYABLE}  -9.00 USD"])
    ledger.disburse(2)
    report = checked(ledger)
    assert report.chain_errors == []
    assert report.book_errors == [at(ledger, MONTHS[1], "2026-10-06", "Transaction does not balance: (1.00 USD)")]
    assert as_beancount_says(report) == report.book_errors


def test_an_account_never_opened_is_found_once_as_beancount_finds_it(tmp_path):
    """Its balance is not carried into the later parts' loads, where it would be an error again."""
    ledger = Ledger(tmp_path, months=1)
    ledger.append_sealed(MONTHS[0], ['2026-09-11 * "Moved"', f"  {BANK}  -10.00 USD", "  Assets:Nowhere  10.00 USD"])
    ledger.disburse(1)
    ledger.balance(MONTHS[1], [f"2026-10-01 balance {BANK}  4990.00 USD"])
    report = checked(ledger)
    assert report.book_errors == [at(ledger, MONTHS[0], "Moved", "Invalid reference to unknown account 'Assets:Nowhere'")]
    assert as_beancount_says(report) == report.book_errors


def test_a_posting_to_a_closed_account_or_before_its_opening_is_found_as_beancount_finds_it(ledger):
    ledger.chart = ledger.files.append(Close(date(2026, 11, 1), FEES), ledger.chart)
    ledger.chart = ledger.files.append(Open(date(2026, 11, 15), "Assets:Late"), ledger.chart)
    ledger.append(Transaction(date(2026, 11, 1), "SimMobile fees", (  # on its close day: still open
        Leg(FEES, Decimal("1.50"), "USD"), Leg(FLOAT, Decimal("-1.50"), "USD")), {"entry": "fee"}))
    ledger.append(Transaction(date(2026, 11, 2), "SimMobile fees", (
        Leg(FEES, Decimal("2.50"), "USD"), Leg(FLOAT, Decimal("-2.50"), "USD")), {"entry": "fee"}))
    ledger.append(Transaction(date(2026, 11, 14), "Early", (
        Leg("Assets:Late", Decimal("1.00"), "USD"), Leg(FLOAT, Decimal("-1.00"), "USD")), {"entry": "journal"}))
    report = checked(ledger)
    assert report.chain_errors == []
    assert report.book_errors == [at(ledger, MONTHS[2], "2026-11-02", f"Invalid reference to inactive account '{FEES}'"),
                                  at(ledger, MONTHS[2], "Early", "Invalid reference to inactive account 'Assets:Late'")]
    assert as_beancount_says(report) == report.book_errors


def reseal(ledger: Ledger, path, old: str, new: str) -> None:
    """An entry edited by hand, and the chain sealed again from it on, as a forger would:
    every hash is right again (only an anchor kept elsewhere tells)."""
    path.write_text(path.read_text().replace(old, new, 1))
    previous = GENESIS
    for period in sorted(ledger.files.directory.glob("*/*.beancount")):
        blocks = period.read_text().split("\n\n")
        for n, block in enumerate(blocks):
            head, *rest = block.rstrip("\n").split("\n")
            if rest and rest[0].startswith("  hash: "):
                previous = seal(previous, "\n".join([head, *rest[1:]]))
                blocks[n] = "\n".join([head, f'  hash: "{previous}"', *rest[1:]]) + "\n" * block.endswith("\n")
        period.write_text("\n\n".join(blocks))
    ledger.head = previous


@pytest.mark.parametrize("old, new, finding", [
    ("  Liabilities:Payable:Grants  -200.25 USD", "  Liabilities:Payable:Grants  -200.20 USD",
     "Transaction does not balance: (0.05 USD)"),
    ("  Expenses:Livelihoods:Grants:LG-2026  200.25 USD\n  Liabilities:Payable:Grants  -200.25 USD",
     "  Expenses:Livelihoods:Grants:LG-2099  200.25 USD\n  Liabilities:Payable:Grants  -200.25 USD",
     "Invalid reference to unknown account 'Expenses:Livelihoods:Grants:LG-2099'"),
    ("  Liabilities:Payable:Grants  200.25 USD\n  Assets:MobileMoney:SimMobile:Float  -200.25 USD",
     "  Liabilities:Payable:Grants  200.25 USD\n  Assets:Bank:Donor  -200.25 USD",
     f"Balance failed for '{FLOAT}': expected -300.50 USD != accumulated -100.25 USD (200.25 too much)"),
])
def test_an_entry_edited_and_the_chain_sealed_again_is_caught_by_the_strict_pass_as_by_beancount(ledger, old, new, finding):
    """The strict pass is not weaker than Beancount: a transaction that does not balance, an
    unopened account, a failing balance assertion, each in a ledger whose chain is whole."""
    ledger.balance(MONTHS[2], [f"2026-11-01 balance {FLOAT}  -300.50 USD"])
    reseal(ledger, ledger.path(MONTHS[1]), old, new)
    report = checked(ledger)
    assert report.chain_errors == [] and len(report.book_errors) == 1
    needle = "balance" if "Balance" in finding else new.split("\n")[0].strip()
    place = ledger.path(MONTHS[2] if "Balance" in finding else MONTHS[1])
    assert report.book_errors == [f"{place.name}:{line_in(place, needle)}: {finding}"]
    assert as_beancount_says(report) == report.book_errors


def line_in(path, needle: str) -> int:
    """The first line of the directive holding `needle`."""
    lines = path.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if needle in line)
    while not lines[at][:1].isdigit():
        at -= 1
    return at + 1


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


def test_a_line_beancount_cannot_parse_is_named_by_beancount_and_the_chain(ledger):
    ledger.write(MONTHS[1], f"\n2026-10-07 balance {FLOAT}\n")
    report = checked(ledger)
    assert report.chain_errors == [at(ledger, MONTHS[1], "2026-10-07 balance", UNCHAINED)]
    assert len(report.beancount_errors) == 1 and "syntax error" in report.beancount_errors[0]
    assert report.beancount_errors[0].startswith(f"{ledger.path(MONTHS[1])}:")


def test_a_missing_period_file_is_named(ledger):
    ledger.path(MONTHS[1]).unlink()
    report = verify(ledger.directory, parallel=True)
    assert report.chain_errors == ["main.beancount:6: 2026/2026-10.beancount is missing",
                                   at(ledger, MONTHS[2], "Grant payable", BROKEN)]


def test_balance_assertions_see_the_entries_of_every_part_by_date(ledger):
    """A backdated fee goes to the latest file; an assertion covers entries of every file
    and of every part of its own file. The parts' loads carry what the others add, day by day."""
    ledger.append(Transaction(date(2026, 9, 15), "SimMobile fees", (
        Leg(FEES, Decimal("1.50"), "USD"), Leg(FLOAT, Decimal("-1.50"), "USD")), {"entry": "fee"}))
    ledger.balance(MONTHS[2], [f"2026-10-01 balance {FLOAT}  -101.75 USD", f"2026-11-01 balance {FLOAT}  -302.00 USD"])
    for n in range(4, 40):
        for txn in disbursement(n, date(2026, 11, 25), Decimal("1.00")):
            ledger.append(txn)
    ledger.balance(MONTHS[2], [f"2026-11-25 balance {FLOAT}  -602.25 USD", f"2026-11-26 balance {FLOAT}  -638.25 USD"])
    for part_bytes in (2**20, 1024):
        assert checked(ledger, part_bytes=part_bytes).ok
    ledger.balance(MONTHS[2], [f"2026-09-16 balance {FLOAT}  -100.25 USD"])
    report = checked(ledger, part_bytes=1024)
    assert report.book_errors == [at(ledger, MONTHS[2], "2026-09-16 balance", f"Balance failed for '{FLOAT}': "
                                     "expected -100.25 USD != accumulated -101.75 USD (1.50 too little)")]
    assert as_beancount_says(report) == report.book_errors and report.loaded_by_period


@pytest.mark.parametrize("lines, finding", [
    (['2026-10-06 * "Fee"', "  ; a comment Beancount skips", f"  {FEES}  1.00 USD", f"  {FLOAT}  -1.00 USD"],
     "not a metadata or posting line where it is: '  ; a comment Beancount skips'"),
    (['2026-10-06 * "Fee"', f"  {FEES}  1.001 USD", f"  {FLOAT}  -1.00 USD"],
     f"not a metadata or posting line where it is: '  {FEES}  1.001 USD'"),
    (['2026-10-06 * "Fee"', f"  {FEES}  1.00 USD", '  entry: "fee"', f"  {FLOAT}  -1.00 USD"],
     "not a metadata or posting line where it is: '  entry: \"fee\"'"),
    (['2026-10-06 * "Fee"', '  entry: "fee"', '  entry: "fee"', f"  {FEES}  1.00 USD", f"  {FLOAT}  -1.00 USD"],
     "a metadata key appears twice (the hash line is one)"),
    (['2026-10-06 * "Fee"', f"  Assets:Float_2  1.00 USD", f"  {FLOAT}  -1.00 USD"],
     "not a metadata or posting line where it is: '  Assets:Float_2  1.00 USD'"),
    (['2026-02-30 * "Fee"', f"  {FEES}  1.00 USD", f"  {FLOAT}  -1.00 USD"],
     "not a day: 2026-02-30 (day is out of range for month)"),
])
def test_a_sealed_line_the_ledger_never_writes_is_named_by_the_strict_pass(tmp_path, lines, finding):
    """Whatever Beancount would make of it, the strict pass reads only the ledger's own grammar."""
    ledger = Ledger(tmp_path, months=2)
    ledger.append_sealed(MONTHS[1], lines)
    report = checked(ledger)
    assert report.chain_errors == []
    assert report.book_errors == [at(ledger, MONTHS[1], lines[0][:10], finding)]

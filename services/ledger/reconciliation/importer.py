"""The mobile-money rail's organisation statement: parsing, and a beangulp importer.

The statement is an M-Pesa-like CSV export of the float account. Its first line names the
account, the second is the column header, and one row follows per statement line:

    Account: Assets:MobileMoney:SimMobile:Float
    Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Other Party Reference
    RCP0001,2026-11-23 10:15:02,Business payment to P-7K3M9Q,Completed,,450.00,9550.00,SIM3B2D63ED755E
    RCP0002,2026-11-23 10:15:02,Business payment charge,Completed,,0.50,9549.50,SIM3B2D63ED755E

Rules (a row that breaks one is refused with `ValidationFailed` naming its line; nothing is
half-read):

* **Whose statement.** The first line must be `Account: <Beancount account of the float>`.
  A real export carries its organisation in a preamble like this, not in a column, so the
  check is made once per file. `read_statement(..., account=X)` refuses a statement for any
  other account, and one with no `Account:` line at all (it cannot say whose it is). The
  importer's `identify` only claims files for its own account, and its `extract` refuses
  the others.
* **Columns**: the eight above, by name, in any order; extra columns are ignored.
* **Completion Time**: `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DDTHH:MM:SS`), local rail time.
* **Amounts**: decimal strings with at most two places, optional thousands commas
  (`1,250.00`); `Paid In` / `Withdrawn` may be empty (zero) and exactly one of them is
  non-zero. A leading minus on `Withdrawn` is accepted and dropped (M-Pesa prints
  withdrawals negative); a negative `Paid In` is refused. `Balance` may be negative.
  Never floats: every amount is a `Decimal`.
* **Transaction Status**: `Completed` or `Reversed` (case-insensitive); anything else is
  refused rather than guessed at.
* The file is UTF-8 (a byte-order mark from a spreadsheet export is tolerated).

The Details are read here and nowhere kept: the ledger stores a line's `category` only.
Fees are the lines whose Details mention a fee or a charge (`fee`, `fees`, `charge`,
`charges` as words) and that withdraw money and are not reversals. `extract` turns each into a
transaction from the float to `Expenses:Fees:MobileMoney`, carrying `rail-receipt` (and the
`rail-reference` of the payment it was charged for, when given). Payment lines give nothing:
the ledger already holds them, and `services.ledger.reconciliation.matcher` matches them; so do
the float's transfers from and to the bank (`Funds transfer from bank` / `to bank`). Re-importing a
statement does not double the fees: an extracted fee whose `rail-receipt` is already in the
existing ledger (`--existing`) is marked duplicate, by that exact key (beangulp's default
similarity heuristic would confuse two equal charges on the same day).

From Beancount's own tool chain (beangulp's command line):

    python -m services.ledger.reconciliation.importer identify statement.csv
    python -m services.ledger.reconciliation.importer extract statement.csv -e data/ledger/main.beancount

The float account is `Assets:MobileMoney:<RAIL_NAME>:Float` (environment `RAIL_NAME`, default
`SimMobile`, as the ledger service) and the currency `RAIL_CURRENCY` (default `USD`).
"""
import csv
import io
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import beangulp
from beancount.core import data
from beancount.core.amount import Amount
from beangulp import exceptions as beangulp_errors
from beangulp import extract as beangulp_extract

from services.ledger.book import chart
from shared.errors import ValidationFailed

FEE_ACCOUNT = chart.FEES
ACCOUNT_LINE = re.compile(r"^Account:\s*(\S+)\s*$")
COLUMNS = ("Receipt No.", "Completion Time", "Details", "Transaction Status", "Paid In", "Withdrawn",
           "Balance", "Other Party Reference")
STATUSES = {"completed": "Completed", "reversed": "Reversed"}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
AMOUNT = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
FEE_WORDS = re.compile(r"\b(?:fees?|charges?)\b", re.IGNORECASE)
REVERSAL_WORDS = re.compile(r"\brevers(?:al|ed)\b", re.IGNORECASE)
TOP_UP_WORDS = re.compile(r"\b(?:transfer from bank|top[- ]?up)\b", re.IGNORECASE)
RETURN_WORDS = re.compile(r"\btransfer to bank\b", re.IGNORECASE)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementLine:
    receipt: str
    completed_at: datetime
    details: str
    status: str          # "Completed" or "Reversed"
    paid_in: Decimal     # >= 0
    withdrawn: Decimal   # >= 0; exactly one of paid_in / withdrawn is non-zero
    balance: Decimal
    reference: str       # Other Party Reference, "" when the statement gives none
    line: int = 0        # line number in the file (1 is the Account line), for messages

    @property
    def is_reversal(self) -> bool:
        return self.status == "Reversed" or REVERSAL_WORDS.search(self.details) is not None

    @property
    def is_fee(self) -> bool:
        return self.withdrawn > 0 and not self.is_reversal and FEE_WORDS.search(self.details) is not None

    @property
    def category(self) -> str:
        """What the line is, in a word the ledger keeps instead of the Details (where rails
        print payees' names): payment, charge, reversal, top-up, return (float to bank) or other."""
        if self.is_reversal:
            return "reversal"
        if self.is_fee:
            return "charge"
        if self.withdrawn > 0:
            return "return" if RETURN_WORDS.search(self.details) else "payment"
        return "top-up" if TOP_UP_WORDS.search(self.details) else "other"


def _text_of(path_or_text) -> str:
    """A `Path` is a file to read; a string is the statement itself, never a file name (the
    ledger's RPC takes text from the network and must not open files on its own disk)."""
    if isinstance(path_or_text, Path):
        try:
            return path_or_text.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(f"statement {path_or_text} is not UTF-8 text") from None
    if isinstance(path_or_text, str):
        return path_or_text.removeprefix("\ufeff")
    raise TypeError(f"expected a path or the statement text, got {type(path_or_text).__name__}")


def _amount(raw: str, column: str, where: str, allow_negative: bool) -> Decimal:
    text = (raw or "").strip()
    if not text:
        return ZERO
    match = AMOUNT.match(text)
    if match is None:
        raise ValidationFailed(f"{where}: {column} {raw!r} is not an amount like 1250.00 or 1,250.00")
    sign, whole, cents = match.groups()
    try:
        value = Decimal(f"{sign}{whole.replace(',', '')}.{(cents or '0').ljust(2, '0')}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ValidationFailed(f"{where}: {column} {raw!r} is not an amount") from None
    if value < 0 and not allow_negative:
        raise ValidationFailed(f"{where}: {column} {raw!r} is negative")
    return value


def _time(raw: str, where: str) -> datetime:
    text = (raw or "").strip()
    for layout in TIME_FORMATS:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ValidationFailed(f"{where}: Completion Time {raw!r} is not a date and time like 2026-11-23 10:15:02")


def statement_account(path_or_text) -> str | None:
    """The account named on the statement's first line, or None if it names none."""
    first = _text_of(path_or_text).split("\n", 1)[0].strip()
    match = ACCOUNT_LINE.match(first)
    return match.group(1) if match else None


def read_statement(path_or_text, account: str | None = None) -> list[StatementLine]:
    """Every line of a statement, in file order; refuses the whole file at the first bad row.

    With `account`, the statement must say (on its first line) that it is that account's."""
    text = _text_of(path_or_text)
    rows = text.split("\n", 1)
    named = ACCOUNT_LINE.match(rows[0].strip())
    if account is not None:
        if named is None:
            raise ValidationFailed(f"the statement does not start with 'Account: {account}', "
                                   "so it cannot be told whose statement it is")
        if named.group(1) != account:
            raise ValidationFailed(f"the statement is for {named.group(1)}, not {account}")
    body, offset = (rows[1] if len(rows) > 1 else "", 1) if named else (text, 0)
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("the statement has no column header line") from None
    except csv.Error as exc:
        raise ValidationFailed(f"line {offset + 1}: {exc}") from None
    header = [name.strip() for name in header]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ValidationFailed(f"line {offset + 1}: the statement has no column {', '.join(map(repr, missing))} "
                               f"(expected {', '.join(COLUMNS)})")
    position = {name: header.index(name) for name in COLUMNS}
    lines: list[StatementLine] = []
    while True:
        start = reader.line_num + offset + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ValidationFailed(f"line {start}: {exc}") from None
        if not any(cell.strip() for cell in row):
            continue
        where = f"line {start}"
        if len(row) < len(header):
            raise ValidationFailed(f"{where}: {len(row)} fields, the header has {len(header)}")
        cell = {name: row[index].strip() for name, index in position.items()}
        receipt = cell["Receipt No."]
        if not receipt:
            raise ValidationFailed(f"{where}: Receipt No. is empty")
        where = f"line {start} (receipt {receipt})"
        status = STATUSES.get(cell["Transaction Status"].lower())
        if status is None:
            raise ValidationFailed(f"{where}: Transaction Status {cell['Transaction Status']!r} is not "
                                   "Completed or Reversed")
        paid_in = _amount(cell["Paid In"], "Paid In", where, allow_negative=False)
        withdrawn = abs(_amount(cell["Withdrawn"], "Withdrawn", where, allow_negative=True))
        if (paid_in > 0) == (withdrawn > 0):
            raise ValidationFailed(f"{where}: exactly one of Paid In and Withdrawn must be non-zero "
                                   f"(got {paid_in} and {withdrawn})")
        if not cell["Balance"]:
            raise ValidationFailed(f"{where}: Balance is empty")
        balance = _amount(cell["Balance"], "Balance", where, allow_negative=True)
        lines.append(StatementLine(receipt=receipt, completed_at=_time(cell["Completion Time"], where),
                                   details=cell["Details"], status=status, paid_in=paid_in, withdrawn=withdrawn,
                                   balance=balance, reference=cell["Other Party Reference"], line=start))
    return lines


def fee_narration(line: StatementLine) -> str:
    """Never the statement's Details: a rail writes the payee's name and phone there."""
    return f"Mobile money fee, receipt {line.receipt}"


def fee_transaction(line: StatementLine, account: str, currency: str, filename: str = "<statement>",
                    fee_account: str = FEE_ACCOUNT) -> data.Transaction:
    """The Beancount transaction for one fee line: the float pays the fee."""
    meta = data.new_metadata(filename, line.line)
    meta["entry"] = "fee"
    meta["rail-receipt"] = line.receipt
    if line.reference:
        meta["rail-reference"] = line.reference
    return data.Transaction(
        meta, line.completed_at.date(), "*", None, fee_narration(line), data.EMPTY_SET,
        frozenset({f"fee-{re.sub(r'[^A-Za-z0-9_./-]', '-', line.receipt)}"}),
        [data.Posting(fee_account, Amount(line.withdrawn, currency), None, None, None, None),
         data.Posting(account, Amount(-line.withdrawn, currency), None, None, None, None)])


class StatementImporter(beangulp.Importer):
    """beangulp importer for one float account's statements (see the module docstring)."""

    def __init__(self, account: str, currency: str, fee_account: str = FEE_ACCOUNT):
        self._account = account
        self.currency = currency
        self.fee_account = fee_account

    @property
    def name(self) -> str:
        return f"{super().name}:{self._account}"

    def identify(self, filepath: str) -> bool:
        """A .csv file whose first line names this importer's account and whose second line
        is a statement header. Reads two lines only; never raises on foreign files."""
        if not str(filepath).lower().endswith(".csv"):
            return False
        try:
            with open(filepath, encoding="utf-8-sig", newline="") as handle:
                first, second = handle.readline(), handle.readline()
        except (OSError, UnicodeDecodeError):
            return False
        named = ACCOUNT_LINE.match(first.strip())
        if named is None or named.group(1) != self._account:
            return False
        try:
            header = [name.strip() for name in next(csv.reader([second]))]
        except (csv.Error, StopIteration):
            return False
        return all(name in header for name in COLUMNS)

    def account(self, filepath: str) -> data.Account:
        return self._account

    def date(self, filepath: str) -> date | None:
        """The statement's last completion date (used to name archived files)."""
        lines = self._read(filepath)
        return max(line.completed_at for line in lines).date() if lines else None

    def _read(self, filepath: str) -> list[StatementLine]:
        try:
            return read_statement(Path(filepath), account=self._account)
        except ValidationFailed as exc:
            # beangulp's command line prints its own Error type as a message, anything else
            # as a traceback; the ValidationFailed stays attached as the cause.
            raise beangulp_errors.Error(exc.message, str(filepath)) from exc

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        return [fee_transaction(line, self._account, self.currency, str(filepath), self.fee_account)
                for line in self._read(filepath) if line.is_fee]

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """A fee is a duplicate exactly when its rail receipt is already in the ledger."""
        known = {entry.meta.get("rail-receipt"): entry for entry in existing
                 if isinstance(entry, data.Transaction) and entry.meta.get("entry") == "fee"}
        for entry in entries:
            target = known.get(entry.meta.get("rail-receipt"))
            if target is not None:
                entry.meta[beangulp_extract.DUPLICATE] = target


def default_importer() -> StatementImporter:
    return StatementImporter(chart.rail_float(os.environ.get("RAIL_NAME", "SimMobile")),
                             os.environ.get("RAIL_CURRENCY", "USD"))


main = beangulp.Ingest([default_importer()])

if __name__ == "__main__":
    main()

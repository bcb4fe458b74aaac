"""Reconciliation of the rail's statement against the payments and float transfers the ledger
made. A pure function: no database, no files, no clock.

`reconcile(lines, expected, currency, transfers, last_day)` gives every statement line exactly
one outcome and reports every expected payment and transfer the statement does not show:

* **Matching key**: a statement line's `Other Party Reference` equals the payment's
  `rail_reference` (what the rail answered and the ledger stored as `rail-reference`), or a
  float transfer's reference (finance's reference of a top-up or a return, which the rail
  prints as the other party's). The `Receipt No.` is the statement's own id for the line;
  it is carried in the result for finance but never used to match, because a rail puts its
  own receipt number on the payment *and* on the charge for it, and a reversal gets a
  receipt of its own.
* Then the amount: the withdrawn amount must equal the expected amount (and, when
  `currency` is given, that currency must be the payment's); and for a transfer the day.

Outcomes, decided in file order, one dict lookup per line (O(n)):

* `REVERSAL` — the line's status is `Reversed` or its Details say reversal/reversed. It
  consumes nothing; `disbursement_id` names the payment it reverses when its reference is
  known. Money came back: finance resolves it (the disbursement was not really paid).
* `FEE` — a withdrawal whose Details mention a fee or charge. Not an exception: the importer
  turns it into an `Expenses:Fees:MobileMoney` posting.
* `TOP_UP` / `RETURN` — money paid in / withdrawn that is a float top-up from the bank / a
  return to it the ledger recorded (`transfers`, from writer/transfers.py), with the same
  amount and day: by its reference or, when the line's reference is none the ledger knows,
  the first unshown transfer that way with that amount on that day. Not an exception.
* `AMOUNT_MISMATCH` / `DATE_MISMATCH` — a line carrying a transfer's reference, moving money
  its way, with another amount / the same amount on another day (`expected_amount` and
  `expected_day` are the ledger's). The transfer is accounted for.
* `DUPLICATE` — a withdrawal whose reference an earlier withdrawal on this statement already
  carried, or any line carrying the reference of a transfer an earlier line took (the
  earlier one keeps its outcome; `duplicate_of` is its receipt).
* `MATCHED` / `AMOUNT_MISMATCH` — a withdrawal whose reference is an expected payment's, with
  the same / another amount. Either way the expected payment is accounted for.
* `UNMATCHED_STATEMENT_LINE` — everything else: a withdrawal with an unknown or empty
  reference, or money paid in that is not a reversal nor a recorded top-up.
* `MISSING_FROM_STATEMENT` — each expected payment (`missing`), and each transfer dated on or
  before the statement's last day (`missing_transfers`), that no line accounted for, in input
  order.

Re-running on the same input gives the same result (the inputs are not modified).
"""
import enum
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.ledger.reconciliation.importer import StatementLine
from shared.errors import ValidationFailed


class Outcome(enum.StrEnum):
    MATCHED = "MATCHED"
    FEE = "FEE"
    TOP_UP = "TOP_UP"
    UNMATCHED_STATEMENT_LINE = "UNMATCHED_STATEMENT_LINE"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    DUPLICATE = "DUPLICATE"
    REVERSAL = "REVERSAL"
    RETURN = "RETURN"
    DATE_MISMATCH = "DATE_MISMATCH"
    MISSING_FROM_STATEMENT = "MISSING_FROM_STATEMENT"


EXCEPTIONS = frozenset(Outcome) - {Outcome.MATCHED, Outcome.FEE, Outcome.TOP_UP, Outcome.RETURN}
TRANSFER_CATEGORY = {"TOP_UP": "top-up", "RETURN": "return"}


@dataclass(frozen=True)
class ExpectedPayment:
    disbursement_id: str
    rail_reference: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class ExpectedTransfer:
    """A float top-up from the bank (`TOP_UP`) or a return to it (`RETURN`) in the ledger."""
    kind: str
    reference: str
    amount: Decimal
    day: date

    def moves_like(self, line: StatementLine) -> bool:
        return (line.paid_in > 0) == (self.kind == "TOP_UP")

    @property
    def category(self) -> str:
        return TRANSFER_CATEGORY[self.kind]


@dataclass(frozen=True)
class LineResult:
    outcome: Outcome
    line: StatementLine
    disbursement_id: str | None = None     # the payment matched, mismatched or reversed
    expected_amount: Decimal | None = None  # with AMOUNT_MISMATCH and DATE_MISMATCH
    duplicate_of: str | None = None         # with DUPLICATE: the receipt of the first line
    transfer: ExpectedTransfer | None = None  # the top-up or return the line shows (again, if DUPLICATE)
    expected_day: date | None = None        # with a transfer's mismatch: its day in the ledger

    @property
    def amount(self) -> Decimal:
        return self.line.withdrawn or self.line.paid_in

    @property
    def category(self) -> str:
        """The line's own, or the kind of transfer it shows (whatever the rail's Details say)."""
        return self.transfer.category if self.transfer else self.line.category


@dataclass(frozen=True)
class Result:
    lines: tuple[LineResult, ...]           # one per statement line, in statement order
    missing: tuple[ExpectedPayment, ...]    # MISSING_FROM_STATEMENT, in expected order
    missing_transfers: tuple[ExpectedTransfer, ...] = ()  # MISSING_FROM_STATEMENT too

    def counts(self) -> dict[str, int]:
        """How many of each outcome, every outcome present (zero when none)."""
        tally = Counter(result.outcome for result in self.lines)
        tally[Outcome.MISSING_FROM_STATEMENT] += len(self.missing) + len(self.missing_transfers)
        return {str(outcome): tally.get(outcome, 0) for outcome in Outcome}

    @property
    def matched(self) -> list[LineResult]:
        return [result for result in self.lines if result.outcome is Outcome.MATCHED]

    @property
    def fees(self) -> list[StatementLine]:
        return [result.line for result in self.lines if result.outcome is Outcome.FEE]

    @property
    def exceptions(self) -> list[LineResult]:
        """Statement lines finance has to resolve (MISSING_FROM_STATEMENT is in `missing`)."""
        return [result for result in self.lines if result.outcome in EXCEPTIONS]

    @property
    def clean(self) -> bool:
        """Nothing to resolve: every line matched, a fee or a transfer, nothing missing."""
        return not self.missing and not self.missing_transfers and not self.exceptions


def reconcile(lines: list[StatementLine], expected: list[ExpectedPayment], currency: str | None = None,
              transfers: list[ExpectedTransfer] = (), last_day: date | None = None) -> Result:
    """`last_day`: the statement's; a transfer dated after it is not missing from it."""
    by_reference: dict[str, ExpectedPayment] = {}
    for payment in expected:
        if not payment.rail_reference:
            raise ValidationFailed(f"expected payment {payment.disbursement_id} has no rail reference")
        if payment.rail_reference in by_reference:
            raise ValidationFailed(f"rail reference {payment.rail_reference} is expected twice "
                                   f"({by_reference[payment.rail_reference].disbursement_id} and "
                                   f"{payment.disbursement_id})")
        by_reference[payment.rail_reference] = payment
    unshown = _Transfers(transfers)
    first_withdrawal: dict[str, str] = {}  # reference -> receipt of the first withdrawal carrying it
    accounted: set[str] = set()            # references of expected payments a line accounted for
    results = []
    for line in lines:
        reference = line.reference
        known = by_reference.get(reference) if reference else None
        if line.is_reversal:
            results.append(LineResult(Outcome.REVERSAL, line, known.disbursement_id if known else None))
        elif line.is_fee:
            results.append(LineResult(Outcome.FEE, line))
        elif (transfer := unshown.take(line, by_amount=known is None)) is not None:
            results.append(_transfer_result(line, transfer))
        elif reference in unshown.taken:
            receipt, transfer = unshown.taken[reference]
            results.append(LineResult(Outcome.DUPLICATE, line, duplicate_of=receipt, transfer=transfer))
        elif line.withdrawn <= 0 or not reference:
            results.append(LineResult(Outcome.UNMATCHED_STATEMENT_LINE, line))
        elif reference in first_withdrawal:
            results.append(LineResult(Outcome.DUPLICATE, line, known.disbursement_id if known else None,
                                      duplicate_of=first_withdrawal[reference]))
        else:
            first_withdrawal[reference] = line.receipt
            if known is None:
                results.append(LineResult(Outcome.UNMATCHED_STATEMENT_LINE, line))
                continue
            accounted.add(reference)
            if line.withdrawn == known.amount and (currency is None or currency == known.currency):
                results.append(LineResult(Outcome.MATCHED, line, known.disbursement_id))
            else:
                results.append(LineResult(Outcome.AMOUNT_MISMATCH, line, known.disbursement_id,
                                          expected_amount=known.amount))
    missing = tuple(payment for payment in expected if payment.rail_reference not in accounted)
    return Result(tuple(results), missing, unshown.missing(last_day))


def _transfer_result(line: StatementLine, transfer: ExpectedTransfer) -> LineResult:
    if line.withdrawn + line.paid_in != transfer.amount:
        outcome = Outcome.AMOUNT_MISMATCH
    elif line.completed_at.date() != transfer.day:
        outcome = Outcome.DATE_MISMATCH
    else:
        return LineResult(Outcome(transfer.kind), line, transfer=transfer)
    return LineResult(outcome, line, expected_amount=transfer.amount, transfer=transfer, expected_day=transfer.day)


class _Transfers:
    """The recorded transfers no line took yet: by reference (the line moving money their way),
    or, `by_amount`, for a line whose reference is no payment's nor transfer's, by way, amount
    and day."""

    def __init__(self, transfers: list[ExpectedTransfer]):
        self.left = {transfer.reference: transfer for transfer in transfers}
        self.taken: dict[str, tuple[str, ExpectedTransfer]] = {}  # reference -> the line's receipt that took it

    def take(self, line: StatementLine, by_amount: bool) -> ExpectedTransfer | None:
        known = self.left.get(line.reference) if line.reference else None
        if known is None and by_amount and line.reference not in self.taken:
            day = line.completed_at.date()
            known = next((t for t in self.left.values() if t.moves_like(line)
                          and (t.amount, t.day) == (line.paid_in + line.withdrawn, day)), None)
        if known is None or not known.moves_like(line):
            return None
        self.taken[known.reference] = (line.receipt, known)
        return self.left.pop(known.reference)

    def missing(self, last_day: date | None) -> tuple[ExpectedTransfer, ...]:
        return tuple(t for t in self.left.values() if last_day is None or t.day <= last_day)


def expected_from_postings(postings) -> list[ExpectedPayment]:
    """Expected payments from the index's `postings` rows (models.Posting): the PAID ones."""
    return [ExpectedPayment(p.disbursement_id, p.rail_reference, Decimal(p.amount), p.currency)
            for p in postings if p.status == "PAID"]


def expected_from_entries(entries, float_account: str) -> list[ExpectedPayment]:
    """Expected payments from loaded Beancount entries: the `entry: "payment"` transactions,
    for the amount they took out of `float_account`."""
    expected = []
    for entry in entries:
        meta = getattr(entry, "meta", None) or {}
        if meta.get("entry") != "payment" or "rail-reference" not in meta:
            continue
        for posting in entry.postings:
            if posting.account == float_account:
                expected.append(ExpectedPayment(meta["disbursement-id"], meta["rail-reference"],
                                                -posting.units.number, posting.units.currency))
    return expected

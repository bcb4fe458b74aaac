"""Reports finance reads, answered from the index (never by reloading the files)."""
from datetime import date
from decimal import Decimal

from sqlalchemy import String, cast, func, literal_column, select
from sqlalchemy.orm import Session

from services.ledger.book import chart
from services.ledger.models import AccountBalance, AccountDay, FundingPosting, KnownProgramme, Posting
from shared.errors import UnknownProgramme, ValidationFailed
from shared.spreadsheets import csv_text

GROUPINGS = ("donor", "programme", "cycle", "month")
MONEY_COLUMNS = ("funded", "paid", "failed", "reversed")
CENT = Decimal("0.01")
UNASSIGNED = "(none)"


def trial_balance(session: Session, as_of: date | None = None) -> dict:
    """Every account's balance, now or at the end of a day (by the entries' dates in the
    files); each currency's balances add up to zero."""
    if as_of is None:
        rows = session.execute(select(AccountBalance.account, AccountBalance.currency, AccountBalance.balance)
                               .order_by(AccountBalance.currency, AccountBalance.account)).all()
    else:
        rows = session.execute(select(AccountDay.account, AccountDay.currency, func.sum(AccountDay.amount))
                               .where(AccountDay.day <= as_of).group_by(AccountDay.account, AccountDay.currency)
                               .order_by(AccountDay.currency, AccountDay.account)).all()
    totals: dict[str, Decimal] = {}
    for _, currency, balance in rows:
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(balance)
    return {"as_of": as_of.isoformat() if as_of else None,
            "accounts": [{"account": account, "currency": currency, "balance": money(balance)}
                         for account, currency, balance in rows],
            "totals": {currency: money(total) for currency, total in totals.items()}}


def money(value) -> str:
    return str(Decimal(value).quantize(CENT))


def _month(column):
    """'YYYY-MM' of a date, the same on SQLite and PostgreSQL. The positions are inlined, not
    bound, so PostgreSQL sees the same expression in SELECT and GROUP BY."""
    return func.substr(cast(column, String), literal_column("1"), literal_column("7"))


def _payment_key(by: str):
    return {"donor": KnownProgramme.donor, "programme": Posting.programme,
            "cycle": Posting.cycle, "month": _month(Posting.day)}[by]


def _funding_key(by: str):
    return {"donor": KnownProgramme.donor, "programme": FundingPosting.programme,
            "month": _month(FundingPosting.received_on)}.get(by)


def totals(session: Session, by: str, first: date | None = None, last: date | None = None) -> dict:
    """Money in and out grouped by donor, programme, payment cycle or month, optionally for
    the days from `first` to `last`: funding received (not reversed), and disbursements
    paid, failed, and paid then reversed by a correction. Funding has no payment cycle, so
    `cycle` reports payments only."""
    if by not in GROUPINGS:
        raise ValidationFailed(f"totals are by {', '.join(GROUPINGS)}, not {by!r}")
    rows: dict[tuple[str, str], dict] = {}

    def row(key, currency):
        return rows.setdefault((key, currency), {by: key, "currency": currency,
                                                 **{c: Decimal(0) for c in MONEY_COLUMNS}, "payments": 0})

    key = _payment_key(by)
    payments = (select(key, Posting.currency, Posting.status, func.sum(Posting.amount), func.count())
                .join(KnownProgramme, KnownProgramme.code == Posting.programme, isouter=True)
                .where(Posting.day.is_not(None), *_within(Posting.day, first, last))  # not answered yet: no day
                .group_by(key, Posting.currency, Posting.status))
    for group, currency, status, amount, count in session.execute(payments):
        target = row(group or UNASSIGNED, currency)
        target[status.lower()] += amount
        if status == "PAID":
            target["payments"] += count
    if (key := _funding_key(by)) is not None:
        funding = (select(key, FundingPosting.currency, func.sum(FundingPosting.amount))
                   .join(KnownProgramme, KnownProgramme.code == FundingPosting.programme)
                   .where(FundingPosting.reversed_at.is_(None), *_within(FundingPosting.received_on, first, last))
                   .group_by(key, FundingPosting.currency))
        for group, currency, amount in session.execute(funding):
            row(group, currency)["funded"] += amount
    ordered = [rows[k] for k in sorted(rows)]
    return {"by": by, "from": first.isoformat() if first else None, "to": last.isoformat() if last else None,
            "rows": [{k: money(v) if isinstance(v, Decimal) else v for k, v in r.items()}
                               for r in ordered]}


def _within(column, first: date | None, last: date | None) -> list:
    return ([column >= first] if first else []) + ([column <= last] if last else [])


def programme_balance(session: Session, code: str) -> dict:
    """Funded (not reversed), paid, reversed (paid, then given back and cancelled), committed
    (booked as payable to the programme's grant expense, no answer from the rail yet) and
    available, from the index in a few grouped queries. Approval commitments are livelihoods'
    budget, not the ledger's."""
    programme = session.get(KnownProgramme, code)
    if programme is None:
        raise UnknownProgramme(f"the ledger has no programme {code}")
    funded = Decimal(session.scalar(select(func.coalesce(func.sum(FundingPosting.amount), 0)).where(
        FundingPosting.programme == code, FundingPosting.reversed_at.is_(None))))
    by_status = dict(session.execute(select(Posting.status, func.sum(Posting.amount)).where(
        Posting.programme == code, Posting.currency == programme.currency).group_by(Posting.status)).all())
    paid, reversed_ = by_status.get("PAID", Decimal(0)), by_status.get("REVERSED", Decimal(0))
    expensed = session.scalar(select(func.sum(AccountBalance.balance)).where(
        AccountBalance.account.in_([chart.expense(kind, code) for kind in chart.KINDS]),
        AccountBalance.currency == programme.currency))
    committed = max(Decimal(0), (expensed or Decimal(0)) - paid)
    return {"programme": code, "donor": programme.donor, "currency": programme.currency,
            "funded": money(funded), "committed": money(committed), "paid": money(paid),
            "reversed": money(reversed_), "available": money(funded - paid - committed)}


def as_csv(rows: list[dict]) -> str:
    """Any report's rows as CSV, columns in the rows' order."""
    return csv_text([list(rows[0]), *(row.values() for row in rows)] if rows else [])


CYCLE_STATUSES = ("PAID", "FAILED", "REVERSED", "HELD")


def cycle_totals(session: Session, cycle_id: str) -> dict:
    """Count and amount of one payment cycle's answered payments by status, in one grouped
    query over the postings of that cycle (`ix_postings_cycle`); every status is listed, at
    zero when none. A cycle is in one currency: None while the ledger knows none of it."""
    groups = session.execute(select(Posting.status, Posting.currency, func.count(), func.sum(Posting.amount))
                             .where(Posting.cycle == cycle_id, Posting.status.in_(CYCLE_STATUSES))
                             .group_by(Posting.status, Posting.currency)).all()
    currencies = {currency for _, currency, _, _ in groups}
    if len(currencies) > 1:
        raise ValidationFailed(f"cycle {cycle_id} has postings in {', '.join(sorted(currencies))}")
    by_status = {status: {"count": 0, "amount": money(0)} for status in CYCLE_STATUSES}
    for status, _, count, amount in groups:
        by_status[status] = {"count": count, "amount": money(amount)}
    return {"cycle": cycle_id, "currency": currencies.pop() if currencies else None, "by_status": by_status}

"""The ledger cut into parts for Beancount's loader: what each part of a period file adds to
each account on each day, and what the other parts carry into a part's balance assertions.
Beancount checks an assertion against every posting dated before it, in any file, so a part
loaded alone is given those sums as one transaction per day."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

CARRIED = "Equity:Verify:CarriedForward"


@dataclass
class Part:
    """A run of whole directives of one period file, and what the strict pass learned about
    it to plan its own load."""
    path: str
    start: int
    end: int
    line: int
    days: dict[str, dict[tuple[str, str], Decimal]] = field(default_factory=dict)  # day -> account -> sum
    total: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    first: str | None = None  # earliest dated directive
    last_balance: str | None = None
    splittable: bool = True

    def add_cents(self, cents: dict) -> None:
        """Take the strict pass's (day, account, currency) -> cents."""
        for (day, account, currency), value in cents.items():
            key, total = (account.decode(), currency.decode()), Decimal(value).scaleb(-2)
            self.days.setdefault(day, {})[key] = self.days.get(day, {}).get(key, Decimal(0)) + total
            self.total[key] = self.total.get(key, Decimal(0)) + total


def carried_into(part: Part, parts: list[Part]) -> list[tuple[str, dict]] | None:
    """What the other parts add to each account before the part's last balance assertion:
    up to the day before the part's first directive in one sum, then day by day. None when
    the part cannot be loaded alone."""
    if not part.splittable:
        return None
    if part.last_balance is None:
        return []
    start = (date.fromisoformat(part.first) - timedelta(days=1)).isoformat()
    carried: dict[str, dict[tuple[str, str], Decimal]] = {}

    def add(day: str, amounts: dict) -> None:
        into = carried.setdefault(day, {})
        for key, amount in amounts.items():
            into[key] = into.get(key, Decimal(0)) + amount

    for other in parts:
        if other is part or not other.days:
            continue
        if max(other.days) < part.first:
            add(start, other.total)
            continue
        for day, amounts in other.days.items():
            if day < part.last_balance:
                add(start if day < part.first else day, amounts)
    return sorted(carried.items())


def opening(carried: list[tuple[str, dict]], opened: dict[str, str]) -> str:
    """One transaction per day carried; an account not open on that day (only after an error
    elsewhere) is left out, balanced against an account of verify's own."""
    lines = []
    for day, amounts in carried:
        legs = [(account, currency, amount) for (account, currency), amount in sorted(amounts.items())
                if amount and opened.get(account, "9999-99-99") <= day]
        offsets: dict[str, Decimal] = {}
        for _account, currency, amount in legs:
            offsets[currency] = offsets.get(currency, Decimal(0)) - amount
        if legs:
            lines.append(f'{day} * "Carried from the other parts of the ledger"')
            lines += [f"  {account}  {amount} {currency}" for account, currency, amount in legs]
            lines += [f"  {CARRIED}  {amount} {currency}" for currency, amount in offsets.items() if amount]
    return "\n".join([f"{carried[0][0]} open {CARRIED}", *lines, ""]) if lines else ""

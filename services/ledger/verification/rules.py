"""Beancount's rules that reach across the whole ledger, applied to what the strict pass
found in every part: the chart's `open` and `close` directives (`validate_open_close`), and
each balance assertion against everything posted before its day in any file, the account's
sub-accounts included (`ops/balance.py`). The messages are Beancount's own."""
from services.ledger.verification.strict import cents_text

ORDER = {"open": -2, "close": 2}  # Beancount sorts an open before, a close after, the day's other entries


def accounts_of(chart: list[tuple[str, int, str, str, str]]) -> tuple[dict, list[tuple[str, int, str]]]:
    """From (file, line, kind, day, account) of the chart, in the order written: each
    account's (open day, close day or None) and the findings (file, line, message)."""
    accounts, findings = {}, []
    for name, line, kind, day, account in sorted(chart, key=lambda found: (found[3], ORDER[found[2]], found[1])):
        opened, closed = accounts.get(account, (None, None))
        if kind == "open":
            if opened is not None:
                findings.append((name, line, f"Duplicate open directive for {account}"))
            else:
                accounts[account] = (day, None)
        elif closed is not None:
            findings.append((name, line, f"Duplicate close directive for {account}"))
        elif opened is None:
            findings.append((name, line, f"Unopened account {account} is being closed"))
        else:
            accounts[account] = (opened, day)
    return accounts, findings


def add_cents(totals: dict, cents: dict) -> None:
    """Fold a part's (day, account, currency) -> cents into (account, currency) -> day -> cents."""
    for (day, account, currency), value in cents.items():
        days = totals.setdefault((account.decode(), currency.decode()), {})
        days[day] = days.get(day, 0) + value


def balance_failures(totals: dict, assertions: list[tuple[str, int, str, str, str, int]]) -> list[tuple[str, int, str]]:
    """Each assertion (file, line, day, account, currency, cents) that is not what its account
    and sub-accounts held at the start of its day: (file, line, message). Exact to the cent: the
    suite asserts what the books hold (Beancount would let 0.01 pass on two decimals)."""
    findings = []
    for name, line, day, account, currency, expected in assertions:
        held = sum(value for (posted, unit), days in totals.items()
                   if unit == currency and (posted == account or posted.startswith(account + ":"))
                   for when, value in days.items() if when < day)
        if held != expected:
            findings.append((name, line, f"Balance failed for '{account}': expected {cents_text(expected)} {currency} "
                                         f"!= accumulated {cents_text(held)} {currency} ({cents_text(abs(held - expected))} "
                                         f"{'too much' if held > expected else 'too little'})"))
    return findings

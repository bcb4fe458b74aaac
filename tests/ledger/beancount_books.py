"""What Beancount and Fava themselves say of a ledger the suite wrote: the trial balance
as of a day from Beancount's loader and realization, and Fava's errors page."""
from datetime import date
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core import data, realization
from fava.application import create_app


def trial_balance(main: Path, as_of: date | None = None) -> dict[tuple[str, str], Decimal]:
    """Every account's balance at the end of `as_of` (all of it without), nonzero or not,
    by (account, currency), as Beancount realizes the files."""
    entries, errors, _ = loader.load_file(str(main))
    assert not errors, errors
    kept = [entry for entry in entries if isinstance(entry, data.Transaction) and (as_of is None or entry.date <= as_of)]
    balances = {}
    for account in realization.iter_children(realization.realize(kept)):
        for position in account.balance:
            balances[(account.account, position.units.currency)] = position.units.number
    return balances


def api_balances(report: dict) -> dict[tuple[str, str], Decimal]:
    """The suite's trial balance (its JSON answer) in the same shape."""
    return {(row["account"], row["currency"]): Decimal(row["balance"]) for row in report["accounts"]}


def nonzero(balances: dict) -> dict:
    return {key: value for key, value in balances.items() if value}


def fava_errors(main: Path) -> list:
    """The errors Fava's own errors page lists for the ledger (through its test client). Its
    poll watcher: the default one blocks in a thread, which under eventlet stops the hub."""
    app = create_app([str(main)], load=True, poll_watcher=True)
    app.testing = True
    with app.test_client() as client:
        slug = app.config["LEDGERS"].first_slug()
        answer = client.get(f"/{slug}/api/errors")
        assert answer.status_code == 200, answer.status_code
        return answer.get_json()["data"]

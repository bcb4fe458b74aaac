"""Reports finance reads, answered from the index (never by reloading the files)."""
import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.models import AccountBalance


def trial_balance(session: Session) -> dict:
    """Every account's balance; each currency's balances add up to zero."""
    rows = session.scalars(select(AccountBalance).order_by(AccountBalance.currency, AccountBalance.account)).all()
    totals: dict[str, object] = {}
    for row in rows:
        totals[row.currency] = totals.get(row.currency, 0) + row.balance
    return {"accounts": [{"account": r.account, "currency": r.currency, "balance": str(r.balance)} for r in rows],
            "totals": {currency: str(total) for currency, total in totals.items()}}


def as_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["account", "currency", "balance"])
    for row in report["accounts"]:
        writer.writerow([row["account"], row["currency"], row["balance"]])
    return out.getvalue()

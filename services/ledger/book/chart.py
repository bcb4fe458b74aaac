"""The chart of accounts (DESIGN.md §3 "The ledger")."""
PAYABLE = {"GRANT": "Liabilities:Payable:Grants", "ALLOWANCE": "Liabilities:Payable:Allowances"}
FEES = "Expenses:Fees:MobileMoney"
RECEIVABLE_RECIPIENTS = "Assets:Receivable:Recipients"  # payments the rail made that their recipients owe back
OPENING_BALANCES = "Equity:Opening-Balances"
KINDS = tuple(PAYABLE)


def expense(kind: str, programme: str) -> str:
    """Each programme's own expense account, for grants and for allowances."""
    if kind == "GRANT":
        return f"Expenses:Livelihoods:Grants:{programme}"
    return f"Expenses:SocialProtection:Allowance:{programme}"


def programme_accounts(programme: str, donor: str) -> list[str]:
    return [*(expense(kind, programme) for kind in KINDS), *donor_accounts(donor)]


def rail_float(rail: str) -> str:
    return f"Assets:MobileMoney:{rail}:Float"


def posted_by_the_ledger(rail: str) -> set[str]:
    """The accounts the ledger posts to on its own: never closed."""
    return {rail_float(rail), FEES, *PAYABLE.values(), RECEIVABLE_RECIPIENTS, OPENING_BALANCES}


def donor_accounts(donor: str) -> list[str]:
    return [f"Assets:Bank:{donor}", f"Income:Donor:{donor}"]


def configured(settings: dict) -> list[str]:
    """Every account the configuration names, opened when the ledger starts: the rail's
    float, fees, payables and the recipients' receivable, each configured donor's bank and
    income, each configured programme's expenses, and any extra account (e.g. for
    reconciliation adjustments)."""
    chart = settings.get("chart") or {}
    names = [rail_float(settings["rail"]["name"]), FEES, *PAYABLE.values(), RECEIVABLE_RECIPIENTS]
    for donor in chart.get("donors") or []:
        names += donor_accounts(donor)
    names += [expense(kind, programme) for programme in chart.get("programmes") or [] for kind in KINDS]
    names += chart.get("extra") or []
    return list(dict.fromkeys(names))

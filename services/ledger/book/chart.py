"""The chart of accounts (DESIGN.md §3 "The ledger")."""
PAYABLE = {"GRANT": "Liabilities:Payable:Grants", "ALLOWANCE": "Liabilities:Payable:Allowances"}
FEES = "Expenses:Fees:MobileMoney"


def expense(kind: str, programme: str) -> str:
    if kind == "GRANT":
        return f"Expenses:Livelihoods:Grants:{programme}"
    return "Expenses:SocialProtection:Allowance"


def rail_float(rail: str) -> str:
    return f"Assets:MobileMoney:{rail}:Float"


def donor_accounts(donor: str) -> list[str]:
    return [f"Assets:Bank:{donor}", f"Income:Donor:{donor}"]


def configured(settings: dict) -> list[str]:
    """Every account the configuration names, opened when the ledger starts: the rail's
    float, fees and payables, each configured donor's bank and income, each configured
    programme's grant expense, and any extra account (e.g. for reconciliation adjustments)."""
    chart = settings.get("chart") or {}
    names = [rail_float(settings["rail"]["name"]), FEES, *PAYABLE.values(), expense("ALLOWANCE", "")]
    for donor in chart.get("donors") or []:
        names += donor_accounts(donor)
    names += [expense("GRANT", programme) for programme in chart.get("programmes") or []]
    names += chart.get("extra") or []
    return list(dict.fromkeys(names))

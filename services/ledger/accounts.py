"""The chart of accounts (DESIGN.md §3 "The ledger")."""
PAYABLE = {"GRANT": "Liabilities:Payable:Grants", "ALLOWANCE": "Liabilities:Payable:Allowances"}


def expense(kind: str, programme: str) -> str:
    if kind == "GRANT":
        return f"Expenses:Livelihoods:Grants:{programme}"
    return "Expenses:SocialProtection:Allowance"


def rail_float(rail: str) -> str:
    return f"Assets:MobileMoney:{rail}:Float"


def donor_accounts(donor: str) -> list[str]:
    return [f"Assets:Bank:{donor}", f"Income:Donor:{donor}"]


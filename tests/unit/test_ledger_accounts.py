"""The chart of accounts the configuration opens when the ledger starts."""
from services.ledger.book.chart import configured


def test_the_configured_chart_names_rail_donor_programme_and_extra_accounts_once():
    settings = {"rail": {"name": "SimMobile"},
                "chart": {"donors": ["EUTF"], "programmes": ["LG-2026"],
                          "extra": ["Assets:Receivable:MobileMoney", "Expenses:Fees:MobileMoney"]}}
    names = configured(settings)
    assert names[:2] == ["Assets:MobileMoney:SimMobile:Float", "Expenses:Fees:MobileMoney"]
    assert {"Assets:Bank:EUTF", "Income:Donor:EUTF", "Expenses:Livelihoods:Grants:LG-2026",
            "Liabilities:Payable:Grants", "Assets:Receivable:MobileMoney"} <= set(names)
    assert len(names) == len(set(names))


def test_no_chart_still_opens_what_the_ledger_always_needs():
    assert "Liabilities:Payable:Allowances" in configured({"rail": {"name": "SimMobile"}})

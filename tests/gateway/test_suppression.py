"""Small-cell suppression: counts below the threshold are hidden, and so is whatever a
published total would give back."""
import csv
import io
from decimal import Decimal

from services.gateway.web.figure_tables import csv_rows, publish
from services.gateway.web.suppression import hidden
from shared.spreadsheets import csv_text


def test_a_small_count_is_hidden_and_a_total_does_not_give_it_back():
    cells = {"a": 3, "b": 6, "c": 12, "total": 21}
    assert hidden(cells, [("total", ["a", "b", "c"])], 5) == {"a", "b"}
    assert hidden({"a": 0, "b": 9, "total": 9}, [("total", ["a", "b"])], 5) == set()
    assert hidden({"a": 2, "b": 2, "total": 4}, [("total", ["a", "b"])], 5) == {"a", "b", "total"}


def test_suppression_spreads_through_every_total_until_nothing_can_be_worked_out():
    people = {"enrolled": [{"district": "Kismayo", "gender": "F", "count": 3},
                           {"district": "Kismayo", "gender": "M", "count": 6},
                           {"district": "Baidoa", "gender": "F", "count": 7},
                           {"district": "Baidoa", "gender": "M", "count": 8},
                           {"district": "Jowhar", "gender": "F", "count": 4}],
              "completions": [{"track": "FINANCIAL_LITERACY", "seated": 9, "passed": 2, "failed": 1}]}
    money = {"paid": [{"month": "2026-10", "kind": "GRANT", "programme": "LG", "gender": "F", "currency": "USD",
                       "amount": "700.00", "payments": 2},
                      {"month": "2026-10", "kind": "GRANT", "programme": "LG", "gender": "M", "currency": "USD",
                       "amount": "2100.00", "payments": 6}]}
    published = publish(people, money, {"matches": []}, 5)
    assert [row["count"] for row in published["enrolled"]] == ["<5", "*", 7, 8, "<5"]
    assert dict(published["enrolled_by_district"]) == {"Baidoa": 15, "Jowhar": "<5", "Kismayo": "*"}
    assert published["totals"]["enrolled"] == 28
    assert published["completions"] == [{"track": "FINANCIAL_LITERACY", "seated": 9, "passed": "<5", "failed": "<5"}]
    assert published["totals"]["passed"] == "<5"
    assert [(row["payments"], row["amount"]) for row in published["paid"]] == [("<5", None), ("*", None)]
    assert published["paid_by_month"] == [("2026-10", "USD", Decimal("2800.00"))]
    assert published["totals"]["grant_payments"] == 8
    exported = list(csv.reader(io.StringIO(csv_text(csv_rows(published, [])))))
    assert exported[0][0] == "figure" and ["enrolled", "Kismayo", "F", "", "", "", "", "", "<5"] in exported
    assert not any(row[-1] in ("3", "2", "700.00", "2100.00") for row in exported)

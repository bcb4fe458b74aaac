"""The monitoring figures as published: each service's counts arranged in the tables,
totals and charts the page draws and the CSV exports, with small cells suppressed once for
all of them (a count is an `int`; a small one the string "<5"; one hidden only so that a
total does not give a small one back, "*": it is not below the threshold)."""
from collections import defaultdict
from decimal import Decimal

from services.gateway.web.suppression import hidden


COMPLEMENT = "*"


def _shown(cells: dict, concealed: set, threshold: int, marker: str) -> dict:
    return {key: (marker if count < threshold else COMPLEMENT) if key in concealed else count
            for key, count in cells.items()}


def _sums(rows, group_of, count_of) -> dict:
    sums: dict = defaultdict(int)
    for row in rows:
        sums[group_of(row)] += count_of(row)
    return dict(sums)


def _payment(row: dict) -> tuple:
    return "payments", row["month"], row["kind"], row["programme"], row["gender"], row["currency"]


def publish(people: dict, money: dict, mentoring: dict, threshold: int) -> dict:
    """Tables, totals and chart rows of the figures, suppressed below `threshold`."""
    marker = f"<{threshold}"
    cells, groups = {}, []

    enrolled = people["enrolled"]
    for row in enrolled:
        cells[("enrolled", row["district"], row["gender"])] = row["count"]
    districts = _sums(enrolled, lambda r: r["district"], lambda r: r["count"])
    for district, count in districts.items():
        cells[("enrolled", district)] = count
        groups.append((("enrolled", district), [("enrolled", district, r["gender"]) for r in enrolled
                                                if r["district"] == district]))
    cells[("enrolled",)] = sum(districts.values())
    groups.append((("enrolled",), [("enrolled", district) for district in districts]))

    completions = people["completions"]
    for row in completions:
        for measure in ("seated", "passed", "failed"):
            cells[(measure, row["track"])] = row[measure]
    cells[("passed",)] = sum(row["passed"] for row in completions)
    groups.append((("passed",), [("passed", row["track"]) for row in completions]))

    paid = money["paid"]
    for row in paid:
        cells[_payment(row)] = row["payments"]
    for name, group_of in (("kind", lambda r: (r["kind"],)), ("month", lambda r: (r["month"], r["currency"]))):
        for group, count in _sums(paid, group_of, lambda r: r["payments"]).items():
            cells[("payments", name, *group)] = count
            groups.append((("payments", name, *group), [_payment(r) for r in paid if group_of(r) == group]))
    for kind in ("GRANT", "ALLOWANCE"):
        cells.setdefault(("payments", "kind", kind), 0)

    matches = mentoring["matches"]
    for row in matches:
        for measure in ("sent", "accepted", "declined", "expired", "sessions"):
            cells[(measure, row["district"])] = row[measure]
    cells[("accepted",)] = sum(row["accepted"] for row in matches)
    groups.append((("accepted",), [("accepted", row["district"]) for row in matches]))

    shown = _shown(cells, hidden(cells, groups, threshold), threshold, marker)
    month_amounts: dict = defaultdict(Decimal)
    for row in paid:
        month_amounts[(row["month"], row["currency"])] += Decimal(row["amount"])
    return {
        "marker": marker, "complement": COMPLEMENT,
        "totals": {"enrolled": shown[("enrolled",)], "passed": shown[("passed",)],
                   "grant_payments": shown[("payments", "kind", "GRANT")],
                   "allowance_payments": shown[("payments", "kind", "ALLOWANCE")], "accepted": shown[("accepted",)]},
        "enrolled": [{**row, "count": shown[("enrolled", row["district"], row["gender"])]} for row in enrolled],
        "enrolled_by_district": [(district, shown[("enrolled", district)]) for district in sorted(districts)],
        "completions": [{"track": row["track"], **{m: shown[(m, row["track"])] for m in ("seated", "passed", "failed")}}
                        for row in completions],
        "paid": [{**row, "payments": shown[_payment(row)],
                  "amount": row["amount"] if isinstance(shown[_payment(row)], int) else None} for row in paid],
        "paid_by_month": [(month, currency, amount if isinstance(shown[("payments", "month", month, currency)], int)
                           else None) for (month, currency), amount in sorted(month_amounts.items())],
        "matches": [{"district": row["district"], **{m: shown[(m, row["district"])] for m in
                                                      ("sent", "accepted", "declined", "expired", "sessions")}}
                    for row in matches],
    }


COLUMNS = ("figure", "district", "gender", "track", "month", "kind", "programme", "currency", "value")


def csv_rows(published: dict, budgets: list[dict]) -> list[list[str]]:
    """What the page shows, one value a line, suppressed as on the page; the header first."""
    rows = [dict(figure="enrolled", district=r["district"], gender=r["gender"], value=r["count"])
            for r in published["enrolled"]]
    rows += [dict(figure=measure, track=r["track"], value=r[measure])
             for r in published["completions"] for measure in ("seated", "passed", "failed")]
    for r in published["paid"]:
        where = {name: r[name] for name in ("month", "kind", "programme", "gender", "currency")}
        rows += [dict(figure="payments", **where, value=r["payments"]),
                 dict(figure="amount paid", **where, value=published["marker"] if r["amount"] is None else r["amount"])]
    rows += [dict(figure=f"mentor offers {measure}", district=r["district"], value=r[measure])
             for r in published["matches"] for measure in ("sent", "accepted", "declined", "expired", "sessions")]
    rows += [dict(figure=f"budget {measure}", programme=b["programme"], currency=b["currency"], value=b[measure])
             for b in budgets if b.get("funded") is not None for measure in ("funded", "committed", "available")]
    return [list(COLUMNS)] + [[row.get(column) for column in COLUMNS] for row in rows]

"""Monitoring and evaluation: programme figures from counts only (no ids, no names), with
charts titled and labelled in the page's language."""
from collections import defaultdict
from decimal import Decimal

from services.gateway.web.charts import bars
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_

VIEWERS = {"monitoring", "admin"}


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def enrolment_chart(view, enrolled: list[dict]):
    by_district: dict[str, int] = defaultdict(int)
    for row in enrolled:
        by_district[row["district"]] += row["count"]
    return bars(view.gettext(N_("Enrolled by district")), [(d, n, str(n)) for d, n in sorted(by_district.items())])


def completion_chart(view, completions: list[dict]):
    return bars(view.gettext(N_("Completion rate by course track (passed / seated)")),
                [(view.label(row["track"]), _percent(row["passed"], row["seated"]),
                  f"{_percent(row['passed'], row['seated'])} %") for row in completions], scale_to=100)


def paid_by_month(paid: list[dict]) -> list[tuple[str, str, Decimal]]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in paid:
        totals[(row["month"], row["currency"])] += Decimal(row["amount"])
    return [(month, currency, amount) for (month, currency), amount in sorted(totals.items())]


def payments_chart(view, paid: list[dict]):
    return bars(view.gettext(N_("Grants and allowances paid by month")),
                [(f"{month} {currency}", float(amount), view.money(amount, currency))
                 for month, currency, amount in paid_by_month(paid)])


def matches_chart(view, matches: list[dict]):
    return bars(view.gettext(N_("Mentor offers accepted by district (accepted / sent)")),
                [(row["district"], _percent(row["accepted"], row["sent"]),
                  view.gettext(N_("%(accepted)s of %(sent)s"), accepted=row["accepted"], sent=row["sent"]))
                 for row in matches], scale_to=100)


class FiguresPages:
    """Mixed into the gateway service; each service answers its own de-identified counts."""

    @page("GET", "/app/figures", roles=VIEWERS)
    def page_figures(self, view):
        people = self.enrollment.programme_figures()
        money = self.livelihoods.programme_figures()
        mentoring = self.mentorship.programme_figures()
        charts = [enrolment_chart(view, people["enrolled"]), completion_chart(view, people["completions"]),
                  payments_chart(view, money["paid"]), matches_chart(view, mentoring["matches"])]
        return view.show("figures.html", charts=charts, **people, **money, **mentoring,
                         enrolled_total=sum(row["count"] for row in people["enrolled"]),
                         accepted_total=sum(row["accepted"] for row in mentoring["matches"]))

"""Monitoring and evaluation: programme figures from counts only (no ids, no names), for a
period, programme and district, with charts titled and labelled in the page's language, a
CSV of what is shown, and each programme's budget from the ledger. Counts below
`GATEWAY.small_cell_threshold` are suppressed everywhere they appear (figure_tables.py)."""
from urllib.parse import urlencode

from services.gateway.web.charts import bars
from services.gateway.web.entrypoint import page
from services.gateway.web.figure_tables import csv_rows, publish
from services.gateway.web.formats import N_
from services.gateway.web.forms import command
from services.gateway.web.render import download
from shared.errors import UnknownProgramme
from shared.figures import FigureFilters
from shared.spreadsheets import csv_text

VIEWERS = {"monitoring", "admin"}
FILTERS = ("first_month", "last_month", "programme", "district")


def _percent(part, whole) -> float | None:
    """Passed of seated, or None when either is suppressed."""
    if not isinstance(part, int) or not isinstance(whole, int):
        return None
    return round(100 * part / whole, 1) if whole else 0.0


def _count(value) -> float:
    return float(value) if isinstance(value, int) else 0.0


def _concealed(row: dict, *measures) -> str | None:
    """The first of `measures` shown suppressed, if any."""
    return next((row[m] for m in measures if not isinstance(row[m], int)), None)


def charts(view, published: dict) -> list:
    marker = published["marker"]
    rates = [(view.label(row["track"]), _percent(row["passed"], row["seated"]), _concealed(row, "passed", "seated"))
             for row in published["completions"]]
    return [
        bars(view.gettext(N_("Enrolled by district")),
             [(district, _count(count), str(count)) for district, count in published["enrolled_by_district"]]),
        bars(view.gettext(N_("Completion rate by course track (passed / seated)")),
             [(track, rate or 0.0, f"{rate} %" if hidden is None else hidden) for track, rate, hidden in rates],
             scale_to=100),
        bars(view.gettext(N_("Grants and allowances paid by month")),
             [(f"{month} {currency}", float(amount or 0), marker if amount is None else view.money(amount, currency))
              for month, currency, amount in published["paid_by_month"]]),
        bars(view.gettext(N_("Mentor offers accepted by district (accepted / sent)")),
             [(row["district"], _percent(row["accepted"], row["sent"]) or 0.0,
               view.gettext(N_("%(accepted)s of %(sent)s"), accepted=row["accepted"], sent=row["sent"]))
              for row in published["matches"]], scale_to=100),
    ]


class FiguresPages:
    """Mixed into the gateway service; each service answers its own de-identified counts."""

    def _figures(self, view) -> tuple[dict, dict, list[dict], list[dict]]:
        """The filters asked for, the figures published for them and the programmes' budgets."""
        asked = {name: view.request.args.get(name, "").strip() for name in FILTERS}
        filters = command(FigureFilters, {name: value for name, value in asked.items() if value})
        people = self.enrollment.programme_figures(filters)
        money = self.livelihoods.programme_figures(filters)
        mentoring = self.mentorship.programme_figures(filters)
        published = publish(people, money, mentoring, self.config["GATEWAY"]["small_cell_threshold"])
        programmes = self.livelihoods.list_programmes()
        budgets = [self._balance(p) for p in programmes if filters["programme"] in (None, p["code"])]
        return asked, published, budgets, programmes

    def _balance(self, programme: dict) -> dict:
        try:
            return self.ledger.programme_balance(programme["code"])
        except UnknownProgramme:  # the ledger learns of a new programme from its event
            return {"programme": programme["code"], "currency": programme["currency"], "funded": None}

    @page("GET", "/app/figures", roles=VIEWERS)
    def page_figures(self, view):
        asked, published, budgets, programmes = self._figures(view)
        chosen = {name: value for name, value in asked.items() if value}
        return view.show("figures.html", charts=charts(view, published), asked=asked, programmes=programmes,
                         budgets=budgets, export=f"/app/figures.csv?{urlencode(chosen)}".rstrip("?"), **published)

    @page("GET", "/app/figures.csv", roles=VIEWERS)
    def page_figures_csv(self, view):
        """The figures the page shows for the same filters, suppressed as there."""
        _asked, published, budgets, _programmes = self._figures(view)
        return download(csv_text(csv_rows(published, budgets)), "figures")

"""Bar charts as inline SVG, drawn on the server: no script, nothing fetched, readable on a phone.

`bars` lays the bars out; the `chart` macro in templates/_chart.html draws them.
"""
from dataclasses import dataclass

WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 440, 200, 18, 8


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the value as the reader sees it ("350.00 USD", "80 %")
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int


def bars(title: str, rows: list[tuple[str, float, str]], scale_to: float | None = None) -> Chart:
    """One horizontal bar per (label, value, shown) row, longest for the largest value (or
    for `scale_to`, e.g. 100 for percentages)."""
    top = scale_to or max((value for _, value, _ in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 90
    laid = tuple(Bar(label, shown, GAP + n * (BAR_HEIGHT + GAP), round(room * value / top))
                 for n, (label, value, shown) in enumerate(rows))
    return Chart(title, laid, WIDTH, GAP + len(rows) * (BAR_HEIGHT + GAP), LABEL_WIDTH)

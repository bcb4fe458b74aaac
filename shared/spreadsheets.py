"""CSV that finance and monitoring open in a spreadsheet: a cell that a spreadsheet would run as a
formula (typed text such as a journal narration, or a reference read from a provider's statement)
is kept as text by a leading apostrophe; numbers, negative ones too, stay numbers."""
import csv
import io
import re
from collections.abc import Iterable, Sequence

_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Sequence]) -> str:
    """Rows (the header first) as CSV text, every cell through `cell`."""
    out = io.StringIO()
    csv.writer(out).writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()

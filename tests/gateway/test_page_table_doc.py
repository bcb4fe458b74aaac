"""docs/access.md's table of pages × roles is the pages' own table (`routes.PAGES`): every
page and form target listed once, marked for exactly the roles its `@page` declaration
admits (a public one: everyone, signed out too), each saying what is done there."""
import re
from pathlib import Path

from services.gateway.accounts import ROLES
from services.gateway.routes import PAGES
from services.gateway.service import GatewayService  # noqa: F401  (declares every page)

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
COLUMNS = ["signed out", *ROLES]
ROW = re.compile(r"^\| `(GET|POST) (/app\S*)` \|(.*)\|$", re.M)


def documented(text: str) -> dict:
    """{(method, path): (the columns marked ✓, what is done there)} of the doc's table."""
    [header] = [line for line in text.splitlines() if line.startswith("| Page or form |")]
    assert [cell.strip() for cell in header.strip("|").split("|")][1:-1] == COLUMNS
    rows = {}
    for method, path, rest in ROW.findall(text):
        *marks, what = [cell.strip() for cell in rest.split("|")]
        assert (method, path) not in rows and len(marks) == len(COLUMNS), (method, path)
        rows[(method, path)] = ({column for column, mark in zip(COLUMNS, marks) if mark == "✓"}, what)
    return rows


def out_of_step(rows: dict) -> dict:
    """Each page whose row is missing or marks other roles than the code admits: what it should mark."""
    admitted = {(page.method, page.path): set(page.roles) if page.roles else set(COLUMNS) for page in PAGES}
    wrong = {page: sorted(roles) for page, roles in admitted.items() if rows.get(page, (None,))[0] != roles}
    return {**wrong, **{page: "not a page" for page in rows.keys() - admitted.keys()}}


def test_the_documented_page_table_is_the_code():
    rows = documented(DOC.read_text())
    assert out_of_step(rows) == {}
    assert all(len(what) > 10 for _marks, what in rows.values())


def test_a_mark_out_of_step_with_the_code_is_found():
    text = DOC.read_text()
    books = text.index("| `GET /app/books` |")
    line = text[books:text.index("\n", books)]
    widened = text.replace(line, line.replace("|   |", "| ✓ |", 1))  # opened to one more column
    assert set(out_of_step(documented(widened))) == {("GET", "/app/books")}
    assert set(out_of_step(documented(text.replace(line + "\n", "")))) == {("GET", "/app/books")}

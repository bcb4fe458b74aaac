"""The pages' messages, extracted with Babel from the templates and the page modules, and
merged into the English and Somali catalogs: `python -m services.gateway.web.messages`
after changing a page's words (new ones arrive untranslated, old ones are marked obsolete;
tests/gateway/test_catalogs.py fails until every one is translated)."""
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from services.gateway.web.i18n import LANGUAGES, catalog_path

HERE = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("*.py", "python")]
OPTIONS = {"templates/**.html": {"trimmed": "false"}}


def extracted() -> Catalog:
    """Every message the pages can show, as Babel finds them now."""
    catalog = Catalog(project="ddrr-livelihoods", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(HERE, METHODS, OPTIONS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def merge() -> None:
    template = extracted()
    for code in LANGUAGES:
        path = catalog_path(code)
        with path.open("rb") as po:
            catalog = read_po(po, locale=code)
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    merge()

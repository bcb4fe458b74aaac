"""The pages' languages: English and Somali gettext catalogs (locales/<code>/LC_MESSAGES/
messages.po), compiled in memory the first time they are needed, so a fresh clone needs
no build step; and which language a request is shown in."""
import functools
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"en": "English", "so": "Soomaali"}  # each named in its own language, for the switcher
DEFAULT = "en"


def catalog_path(code: str) -> Path:
    return LOCALES / code / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(code: str) -> Translations:
    with catalog_path(code).open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def direction(code: str) -> str:
    """`rtl` or `ltr`, for `<html dir>`."""
    return "rtl" if Locale.parse(code).character_order == "right-to-left" else "ltr"


def chosen(request, user) -> str:
    """A signed-in person's own setting; before sign-in, `?lang=` or the browser's wish."""
    if user is not None and user.language in LANGUAGES:
        return user.language
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT

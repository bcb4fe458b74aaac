"""HTML responses: Jinja2 templates (escaped by default), one environment per language
with its gettext catalog and formats installed, and the headers every page carries."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.wrappers import Response

from services.gateway.web import formats, i18n

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _environment(code: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              extensions=["jinja2.ext.i18n"])
    translations = i18n.translations(code)
    environment.install_gettext_translations(translations, newstyle=True)
    environment.filters.update(formats.filters(code, translations.gettext))
    environment.globals.update(language=code, direction=i18n.direction(code), LANGUAGES=i18n.LANGUAGES)
    return environment


environments = {code: _environment(code) for code in i18n.LANGUAGES}


def add_globals(**values) -> None:
    """Names every template of every language sees (the navigation)."""
    for environment in environments.values():
        environment.globals.update(values)


def nothing_kept(form: str) -> dict:
    """`typed(form)` and `errors(form)` of a page no refused form came back to."""
    return {}


def html(template: str, status: int = 200, language: str = i18n.DEFAULT, **context) -> Response:
    """A template rendered; `typed(form)` and `errors(form)` are what was typed in the named
    form and the words for its fields, when the page shows that form refused."""
    context.setdefault("typed", nothing_kept)
    context.setdefault("errors", nothing_kept)
    body = environments[language].get_template(template).render(**context)
    return Response(body, status=status, mimetype="text/html", headers={**SECURITY_HEADERS, "Content-Language": language})


def download(text: str, name: str) -> Response:
    """A CSV to save (`name`.csv), with the headers every page carries."""
    return Response(text, mimetype="text/csv",
                    headers={**SECURITY_HEADERS, "Content-Disposition": f"attachment; filename={name}.csv"})


def redirect(location: str) -> Response:
    """POST/redirect/GET: a form's answer is always a 303 to the page to show next."""
    return Response("", status=303, headers={**SECURITY_HEADERS, "Location": location})

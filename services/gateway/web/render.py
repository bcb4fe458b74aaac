"""HTML responses: Jinja2 templates (escaped by default) and the headers every page carries."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from werkzeug.wrappers import Response

TEMPLATES = Path(__file__).parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def html(template: str, status: int = 200, **context) -> Response:
    body = environment.get_template(template).render(**context)
    return Response(body, status=status, mimetype="text/html", headers=SECURITY_HEADERS)


def redirect(location: str) -> Response:
    """POST/redirect/GET: a form's answer is always a 303 to the page to show next."""
    return Response("", status=303, headers={**SECURITY_HEADERS, "Location": location})

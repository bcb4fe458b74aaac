"""The session cookie, the CSRF token derived from it, and one-shot notices.

The cookie holds the sign-in token from `accounts.sign_in`: HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it), Secure behind https. A form's CSRF token
is an HMAC of that token, so only a page the gateway rendered for this session knows it.
Before sign-in there is no session: the sign-in form is protected by a random value that
must come back both as a cookie and as a form field (double submit).
"""
import hashlib
import hmac
import secrets
from urllib.parse import quote, unquote

from werkzeug.wrappers import Response

from shared.errors import Forbidden

SESSION, SIGN_IN, NOTICE = "ddrr_session", "ddrr_sign_in", "ddrr_notice"
CSRF_FIELD = "csrf_token"
PATH = "/app"


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"ddrr-web-form", hashlib.sha256).hexdigest()


def check_csrf(session_token: str, form) -> None:
    offered = form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(offered.encode(), csrf_token(session_token).encode()):
        raise Forbidden("the form is missing its security token or it is wrong; reload the page and try again")


def new_sign_in_nonce() -> str:
    return secrets.token_urlsafe(24)


def check_sign_in_nonce(request) -> None:
    cookie, offered = request.cookies.get(SIGN_IN, ""), request.form.get(CSRF_FIELD, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), offered.encode()):
        raise Forbidden("the sign-in form expired; reload the page and try again")


def _set(response: Response, name: str, value: str, secure: bool, path: str = PATH) -> None:
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=secure)


def start_session(response: Response, token: str, secure: bool) -> None:
    _set(response, SESSION, token, secure)
    response.delete_cookie(SIGN_IN, path=PATH, httponly=True, samesite="Strict", secure=secure)


def end_session(response: Response, secure: bool) -> None:
    response.delete_cookie(SESSION, path=PATH, httponly=True, samesite="Strict", secure=secure)


def offer_sign_in(response: Response, nonce: str, secure: bool) -> None:
    _set(response, SIGN_IN, nonce, secure)


def tell(response: Response, message: str, secure: bool, problem: bool = False) -> None:
    """A notice for the next page only (how a form went), kept out of the URL."""
    _set(response, NOTICE, quote(("problem:" if problem else "done:") + message[:600]), secure)


def notice(request) -> dict | None:
    kind, _, message = unquote(request.cookies.get(NOTICE, "")).partition(":")
    return {"problem": kind == "problem", "message": message} if message else None


def forget_notice(response: Response, secure: bool) -> None:
    response.delete_cookie(NOTICE, path=PATH, httponly=True, samesite="Strict", secure=secure)

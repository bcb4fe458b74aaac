"""`WebPages`: every page of the web side, mixed into the gateway service, plus sign-in,
sign-out and the one style sheet (served from here: the pages work offline)."""
from pathlib import Path

from werkzeug.wrappers import Response

from services.gateway.accounts import ROLES, sign_in, sign_out
from services.gateway.routes import ACTION, REQUEST_ID, acting_as
from services.gateway.web import cookies
from services.gateway.web.entrypoint import SIGN_IN_PATH, PageEntrypoint, home_of, page, secure_cookies
from services.gateway.web.figures_pages import FiguresPages
from services.gateway.web.finance_pages import FinancePages
from services.gateway.web.grant_pages import GrantPages
from services.gateway.web.mentor_pages import MentorPages
from services.gateway.web.officer_pages import OfficerPages
from services.gateway.web.payee_pages import PayeePages
from services.gateway.web.render import SECURITY_HEADERS, html, redirect
from shared.errors import TooManyAttempts, Unauthenticated

STYLE = (Path(__file__).parent / "static" / "style.css").read_bytes()


class WebPages(OfficerPages, PayeePages, GrantPages, FinancePages, MentorPages, FiguresPages):
    """Pages under /app; the gateway's RPC proxies and database come from the service."""

    @PageEntrypoint.decorator("GET", "/app/style.css")
    def page_style(self, request):
        return Response(STYLE, mimetype="text/css", headers={**SECURITY_HEADERS, "Cache-Control": "max-age=3600"})

    @PageEntrypoint.decorator("GET", SIGN_IN_PATH)
    def page_sign_in(self, request):
        nonce = cookies.new_sign_in_nonce()
        notice = cookies.notice(request)
        response = html("sign_in.html", user=None, csrf=nonce, notice=notice)
        cookies.offer_sign_in(response, nonce, secure_cookies(self.config))
        if notice:
            cookies.forget_notice(response, secure_cookies(self.config))
        return response

    @PageEntrypoint.decorator("POST", SIGN_IN_PATH)
    def form_sign_in(self, request):
        """Exchange username and password for a session cookie; a refusal says the same
        words whatever was wrong."""
        request.environ[ACTION] = SIGN_IN_PATH
        secure = secure_cookies(self.config)
        cookies.check_sign_in_nonce(request)
        username = request.form.get("username", "").strip()[:60]
        acting_as(request, username, None)
        try:
            user, token = sign_in(self.db.session, username, request.form.get("password", "")[:200],
                                  self.config["GATEWAY"], request.environ.get(REQUEST_ID),
                                  request.remote_addr or "unknown")
        except (Unauthenticated, TooManyAttempts) as refused:
            response = redirect(SIGN_IN_PATH)
            cookies.tell(response, refused.message, secure, problem=True)
            return response
        acting_as(request, user.username, user.role)
        response = redirect(home_of(user.role))
        cookies.start_session(response, token, secure)
        return response

    @page("POST", "/app/sign-out", roles=ROLES)
    def form_sign_out(self, view):
        sign_out(self.db.session, view.request.cookies.get(cookies.SESSION, ""))
        response = redirect(SIGN_IN_PATH)
        cookies.end_session(response, view.secure)
        cookies.tell(response, "Signed out.", view.secure)
        return response

    @page("GET", "/app", roles=ROLES)
    def page_home(self, view):
        return redirect(home_of(view.user.role))

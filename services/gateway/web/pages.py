"""`WebPages`: every page of the web side, mixed into the gateway service, plus sign-in,
sign-out, the language setting and the one style sheet (served from here: the pages work
offline)."""
from pathlib import Path

from werkzeug.wrappers import Response

from services.gateway.accounts import ROLES, sign_in, sign_out
from services.gateway.models import User
from services.gateway.routes import PUBLIC, REQUEST_ID, acting_as
from services.gateway.web import cookies, i18n
from services.gateway.web.account_pages import AccountPages
from services.gateway.web.admin_pages import AdminPages
from services.gateway.web.books_pages import BooksPages
from services.gateway.web.entrypoint import SIGN_IN_PATH, home_of, page
from services.gateway.web.figures_pages import FiguresPages
from services.gateway.web.finance_pages import FinancePages
from services.gateway.web.formats import N_
from services.gateway.web.grant_pages import GrantPages
from services.gateway.web.mentor_pages import MentorPages
from services.gateway.web.officer_pages import OfficerPages
from services.gateway.web.payee_pages import PayeePages
from services.gateway.web.render import SECURITY_HEADERS, redirect
from shared.errors import TooManyAttempts, Unauthenticated, ValidationFailed

STYLE = (Path(__file__).parent / "static" / "style.css").read_bytes()


def _own_page(location: str) -> str:
    """Where to go back to after a setting: one of our pages, never another site."""
    return location if location.startswith("/app") and not location.startswith("//") and "\\" not in location \
        else "/app"


class WebPages(OfficerPages, PayeePages, GrantPages, FinancePages, BooksPages, MentorPages, FiguresPages,
               AdminPages, AccountPages):
    """Pages under /app; the gateway's RPC proxies and database come from the service."""

    @page("GET", "/app/style.css", roles=PUBLIC)
    def page_style(self, view):
        return Response(STYLE, mimetype="text/css", headers={**SECURITY_HEADERS, "Cache-Control": "max-age=3600"})

    @page("GET", SIGN_IN_PATH, roles=PUBLIC)
    def page_sign_in(self, view):
        """Before sign-in there is no session: the form's token is a nonce sent as a cookie too."""
        view.csrf = cookies.new_sign_in_nonce()
        response = view.show("sign_in.html")
        cookies.offer_sign_in(response, view.csrf, view.secure)
        return response

    @page("POST", SIGN_IN_PATH, roles=PUBLIC)
    def form_sign_in(self, view):
        """Exchange username and password for a session cookie; a refusal says the same
        words whatever was wrong."""
        request = view.request
        cookies.check_sign_in_nonce(request)
        username = request.form.get("username", "").strip()[:60]
        acting_as(request, username, None)
        try:
            user, token = sign_in(self.db.session, username, request.form.get("password", "")[:200],
                                  self.config["GATEWAY"], request.environ.get(REQUEST_ID),
                                  request.remote_addr or "unknown")
        except Unauthenticated:
            return view.then(SIGN_IN_PATH, view.gettext(N_("wrong username or password")), problem=True)
        except TooManyAttempts as refused:
            return view.then(SIGN_IN_PATH, view.gettext(N_("Too many sign-in attempts from this address; try again "
                                                            "in %(seconds)s seconds."), seconds=refused.retry_after),
                             problem=True)
        acting_as(request, user.username, user.role)
        response = redirect(home_of(user.role))
        cookies.start_session(response, token, view.secure)
        return response

    @page("POST", "/app/sign-out", roles=ROLES)
    def form_sign_out(self, view):
        sign_out(self.db.session, view.request.cookies.get(cookies.SESSION, ""))
        response = view.then(SIGN_IN_PATH, view.gettext(N_("Signed out.")))
        cookies.end_session(response, view.secure)
        return response

    @page("POST", "/app/language", roles=ROLES)
    def form_language(self, view):
        """Kept with the account: every page after this one is in the language chosen."""
        chosen = view.request.form.get("language", "")
        if chosen not in i18n.LANGUAGES:
            raise ValidationFailed(f"choose one of {', '.join(i18n.LANGUAGES)}")
        with self.db.transaction():
            self.db.session.get(User, view.user.username).language = chosen
        view.language = chosen
        return view.then(_own_page(view.request.form.get("back", "")),
                         view.gettext(N_("The pages are now in English.")))

    @page("GET", "/app", roles=ROLES)
    def page_home(self, view):
        return redirect(home_of(view.user.role))

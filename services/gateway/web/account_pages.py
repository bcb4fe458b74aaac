"""A signed-in person's own account: changing their password (the current one, then the new
one twice), after which every other session of theirs ends."""
from services.gateway.accounts import ROLES, ChangePassword, change_password
from services.gateway.web import cookies
from services.gateway.web.entrypoint import home_of, page
from services.gateway.web.formats import N_
from services.gateway.web.forms import FormRefused, command
from shared.errors import Forbidden, TooManyAttempts

PASSWORD = "/app/password"


def _refused(field: str, message: str) -> FormRefused:
    """A refusal shown beside one field (the message is already in the page's language)."""
    return FormRefused([{"loc": (field,), "msg": message, "type": "refused"}])


class AccountPages:
    """Mixed into the gateway service; uses its `db` (the accounts live in the gateway)."""

    @page("GET", PASSWORD, roles=ROLES)
    def page_password(self, view):
        return view.show("password.html")

    @page("POST", PASSWORD, roles=ROLES)
    def form_password(self, view):
        """The same account function as POST /auth/password; this session stays signed in."""
        form = view.request.form
        if form.get("new_password", "") != form.get("repeat_password", ""):
            raise _refused("repeat_password", view.gettext(N_("The two new passwords are not the same.")))
        data = ChangePassword(**command(ChangePassword, {"current_password": form.get("current_password") or None,
                                                         "new_password": form.get("new_password", "")}))
        try:
            change_password(self.db.session, view.user.username, data, view.request.cookies.get(cookies.SESSION, ""),
                            self.config["GATEWAY"], view.request.remote_addr or "unknown")
        except Forbidden:
            raise _refused("current_password", view.gettext(N_("The current password is not right."))) from None
        except TooManyAttempts as waiting:
            raise _refused("current_password", view.gettext(
                N_("Too many wrong passwords; try again in %(seconds)s seconds."), seconds=waiting.retry_after)) from None
        return view.then(home_of(view.user.role),
                         view.gettext(N_("Your password is changed; your other sessions have ended.")))

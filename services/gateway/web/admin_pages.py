"""The admin's accounts and the audit trail. Accounts live in the gateway itself, so these
pages use the same functions as the API's /users endpoints; an account's role is chosen
when it is made and never changes. Usernames travel in form fields, never in addresses."""
from sqlalchemy import select

from services.gateway import accounts, audit
from services.gateway.auth_routes import account
from services.gateway.models import User
from services.gateway.web.admin_catalogue_pages import AdminCataloguePages
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command, optional
from shared.errors import ValidationFailed

ADMIN = {"admin"}
AUDIT_READERS = {"admin", "monitoring"}
USERS = "/app/admin/users"
AUDIT_PAGE_SIZE = 50
AUDIT_FILTERS = ("username", "action", "since", "until")


class AdminPages(AdminCataloguePages):
    """Mixed into the gateway service; uses its `db` (accounts and the audit trail)."""

    def _change(self, view, changes: dict) -> str:
        """Apply `changes` (UpdateUser's fields) to the account the form names; its username."""
        username = view.request.form.get("username", "")
        checked = command(accounts.UpdateUser, changes)
        data = accounts.UpdateUser.model_validate({name: checked[name] for name in changes})  # only what is changed
        with self.db.transaction():
            accounts.update_user(self.db.session, username, data)
        return username

    @page("GET", USERS, roles=ADMIN)
    def page_users(self, view):
        with self.db.transaction():
            listed = [account(user) for user in self.db.session.scalars(select(User).order_by(User.username))]
        return view.show("admin_users.html", users=listed, roles=accounts.ROLES)

    @page("POST", USERS, roles=ADMIN)
    def form_create_user(self, view):
        """A new account with its role (for good), district, a mentor's id for a mentor, and
        a first password the person changes later."""
        form = view.request.form
        data = accounts.CreateUser.model_validate(command(accounts.CreateUser, {
            "username": form.get("username", ""), "role": form.get("role", ""), "district": optional(form, "district"),
            "mentor_id": optional(form, "mentor_id"), "password": form.get("password", "")}))
        with self.db.transaction():
            created, _token = accounts.create_user(self.db.session, data, self.config["GATEWAY"])
            said = view.gettext(N_("Account %(username)s created as %(role)s."), username=created.username,
                                role=view.label(created.role))
        return view.then(USERS, said)

    @page("POST", f"{USERS}/district", roles=ADMIN, back=USERS)
    def form_user_district(self, view):
        district = optional(view.request.form, "district")
        if district is None:
            raise ValidationFailed(view.gettext(N_("Enter the district the account works in.")))
        username = self._change(view, {"district": district})
        return view.then(USERS, view.gettext(N_("%(username)s now works in %(district)s."), username=username,
                                             district=district))

    @page("POST", f"{USERS}/password", roles=ADMIN, back=USERS)
    def form_reset_password(self, view):
        """A new password; the account's sessions and sign-in delays end."""
        username = self._change(view, {"password": view.request.form.get("password", "")})
        return view.then(USERS, view.gettext(N_("Password of %(username)s reset; their sessions ended."),
                                             username=username))

    @page("POST", f"{USERS}/active", roles=ADMIN, back=USERS)
    def form_user_active(self, view):
        """Deactivate (their sessions end at once) or reactivate an account."""
        active = view.request.form.get("active") == "yes"
        username = self._change(view, {"active": active})
        said = N_("%(username)s can sign in again.") if active else N_("%(username)s can no longer sign in.")
        return view.then(USERS, view.gettext(said, username=username))

    @page("GET", "/app/admin/audit", roles=AUDIT_READERS)
    def page_audit(self, view):
        """The trail, newest first, filtered by username, the beginning of the action and days."""
        asked = {name: view.request.args.get(name, "").strip() for name in AUDIT_FILTERS}
        raw = view.request.args.get("page", "1")
        number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
        query = audit.AuditQuery.model_validate(command(audit.AuditQuery, {
            **{name: value for name, value in asked.items() if value},
            "limit": AUDIT_PAGE_SIZE, "offset": (number - 1) * AUDIT_PAGE_SIZE}))
        with self.db.transaction():
            trail = audit.page(self.db.session, query)
        return view.show("admin_audit.html", asked=asked, trail=trail, number=number,
                         more=number * AUDIT_PAGE_SIZE < trail["total"],
                         chosen={name: value for name, value in asked.items() if value})

"""Sign-in, sign-out, passwords, accounts (for the admin) and the audit trail at the HTTP edge."""
from sqlalchemy import select

from services.gateway import accounts, audit, schemas
from services.gateway.models import Token, User, as_utc
from services.gateway.routes import REQUEST_ID, acting_as, api

EVERYONE = set(accounts.ROLES)


def _aware_iso(moment) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def account(user: User) -> dict:
    return {"username": user.username, "role": user.role, "district": user.district, "mentor_id": user.mentor_id,
            "active": user.active, "has_password": user.password_hash is not None,
            "created_at": _aware_iso(user.created_at)}


class AuthRoutes:
    """Mixed into the gateway service; uses its `db` (the accounts live in the gateway)."""

    def _token_answer(self, user: User, token: str) -> dict:
        issued = self.db.session.get(Token, accounts.hash_token(token))
        return {"token": token, "expires_at": _aware_iso(issued.expires_at), "username": user.username,
                "role": user.role}

    @api("POST", "/auth/sign-in", body=accounts.SignIn, request=True, response=schemas.SignedIn)
    def sign_in(self, data, request):
        """Exchange a username and password for a bearer token that expires. Any refusal
        (unknown user, wrong password, inactive account, no password yet) is the same 401;
        an address that failed too often waits, growing delays, with a 429 and Retry-After."""
        user, token = accounts.sign_in(self.db.session, data.username, data.password, self.config["GATEWAY"],
                                       request.environ[REQUEST_ID], request.remote_addr or "unknown")
        acting_as(request, user.username, user.role)
        with self.db.transaction():
            return self._token_answer(user, token)

    @api("POST", "/auth/sign-out", roles=EVERYONE, body=schemas.Empty, request=True, response=schemas.SignedOut)
    def sign_out(self, user, data, request):
        """Revoke the token this request carries."""
        accounts.sign_out(self.db.session, accounts.bearer_token(request.headers.get("Authorization")))
        return {"signed_out": True}

    @api("POST", "/auth/password", roles=EVERYONE, body=accounts.ChangePassword, request=True,
         response=schemas.Account)
    def change_password(self, user, data, request):
        """Set my password (the current one is needed once there is one); my other tokens end."""
        me = accounts.change_password(self.db.session, user.username, data,
                                      accounts.bearer_token(request.headers.get("Authorization")),
                                      self.config["GATEWAY"], request.remote_addr or "unknown")
        return account(me)

    @api("GET", "/auth/me", roles=EVERYONE, response=schemas.Account)
    def me(self, user):
        """Who this token belongs to: role, district, mentor id."""
        return account(user)

    @api("POST", "/users", roles={"admin"}, body=accounts.CreateUser, status=201, response=schemas.CreatedAccount,
         creates="username")
    def create_user(self, user, data):
        """Create an account with its role (for good) and district, and optionally its password;
        a first token is shown only in this response."""
        with self.db.transaction():
            created, token = accounts.create_user(self.db.session, data, self.config["GATEWAY"])
            return {**account(created), **self._token_answer(created, token)}

    @api("GET", "/users", roles={"admin"}, response=schemas.Accounts)
    def list_users(self, user):
        """Every account, without secrets."""
        with self.db.transaction():
            return [account(u) for u in self.db.session.scalars(select(User).order_by(User.username))]

    @api("PATCH", "/users/<username>", roles={"admin"}, body=accounts.UpdateUser, response=schemas.Account)
    def update_user(self, user, data, username):
        """Change an account's district, deactivate or reactivate it, or reset its password
        (which ends its tokens and sign-in delays). The role never changes."""
        with self.db.transaction():
            return account(accounts.update_user(self.db.session, username, data))

    @api("GET", "/audit", roles={"admin", "monitoring"}, query=audit.AuditQuery, response=schemas.AuditPage)
    def audit_trail(self, user, query):
        """The audit trail, newest first: who, role, when, what, target, outcome, request id."""
        with self.db.transaction():
            return audit.page(self.db.session, query)

"""Sign-in, tokens and accounts over HTTP, and the bad input around them: expired or
forged tokens, oversized bodies, unknown fields — refused, audited, nothing changed."""
import requests
from sqlalchemy import update
from sqlalchemy.orm import Session

from services.gateway import accounts
from services.gateway.accounts import hash_token
from services.gateway.throttle import DEFAULTS as THROTTLE
from services.gateway.models import Token
from shared.db import make_engine
from tests.gateway.conftest import PASSWORD


def sign_in(api, username, password):
    return api.as_user(None).call("POST", "/auth/sign-in", {"username": username, "password": password})


def last_events(admin, count=1, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return admin.get(f"/audit?limit={count}&{query}")["events"]


def test_sign_in_me_and_sign_out(people):
    admin = people["admin"]
    answer = sign_in(admin, "officer-1", PASSWORD)
    assert answer.status_code == 200
    signed = answer.json()
    assert set(signed) == {"token", "expires_at", "username", "role"} and signed["role"] == "officer"
    assert signed["token"].startswith("ddrr_")  # never "-": `ddrr cycle status --token <it>` reads it as a value
    me = admin.as_user(signed["token"])
    assert me.get("/auth/me")["username"] == "officer-1"
    assert me.post("/auth/sign-out", expect=200) == {"signed_out": True}
    assert me.call("GET", "/auth/me").status_code == 401
    assert people["officer"].get("/auth/me")["username"] == "officer-1"  # only that token ended
    rows = last_events(admin, 3)
    assert [(r["action"], r["username"], r["outcome"]) for r in rows] == [
        ("POST /auth/sign-out", "officer-1", "200"), ("POST /auth/sign-in", "officer-1", "200"),
        ("sign-in", "officer-1", "200")]


def test_refusals_are_one_answer_then_the_address_waits_not_the_account(people, config, clock):
    """Wrong guesses slow down the address they come from; the account's owner, signing in
    from elsewhere, is not locked out."""
    admin = people["admin"]
    unknown = sign_in(admin, "nobody-here", PASSWORD)
    wrong = [sign_in(admin, "finance-1", "not-the-password") for _ in range(THROTTLE["sign_in_free_attempts"])]
    bodies = {(r.status_code, r.text) for r in [unknown, *wrong]}
    assert bodies == {(401, '{"error": "UNAUTHENTICATED", "message": "wrong username or password"}')}
    throttled = sign_in(admin, "finance-1", PASSWORD)  # the right password, too early from this address
    assert throttled.status_code == 429 and throttled.json()["error"] == "TOO_MANY_ATTEMPTS"
    assert throttled.headers["Retry-After"] == "2"  # a 1 s delay, rounded up
    reasons = [r["outcome"] for r in last_events(admin, 7, action="sign-in")]
    assert reasons == ["429 THROTTLED"] + ["401 WRONG_PASSWORD"] * 5 + ["401 UNKNOWN_USER"]
    clock.advance(1)
    assert sign_in(admin, "finance-1", "not-the-password").status_code == 401  # waited: it may guess again
    assert sign_in(admin, "finance-1", PASSWORD).status_code == 429  # and now waits 2 s
    owner = sign_in_from(config, "finance-1", PASSWORD, "10.0.0.7")  # the owner, from their own address
    assert owner[0].username == "finance-1"
    assert people["finance"].get("/auth/me")["username"] == "finance-1"  # a token already held goes on
    admin.call("PATCH", "/users/finance-1", {"password": "the admin's new one"}, expect=200)
    assert sign_in(admin, "finance-1", "the admin's new one").status_code == 200  # a reset ends the delays
    assert people["finance"].call("GET", "/auth/me").status_code == 401  # a reset ends the old tokens


def sign_in_from(config, username: str, password: str, address: str):
    engine = make_engine(config["DATABASES"]["gateway"])
    try:
        with Session(engine, expire_on_commit=False) as session:
            return accounts.sign_in(session, username, password, config["GATEWAY"], address=address)
    finally:
        engine.dispose()


def test_admin_manages_accounts_but_never_roles(people):
    admin = people["admin"]
    created = admin.post("/users", {"username": "halima", "role": "supervisor", "district": "Baidoa",
                                    "password": "twelve chars ok"}, expect=201)
    assert created["has_password"] and created["token"] and created["expires_at"]
    assert "password" not in created and "password_hash" not in created
    assert admin.post("/users", {"username": "halima", "role": "finance"}, expect=409)["message"] == \
        "user halima already exists (as supervisor); one person has one account and one role"
    assert "role" in admin.call("PATCH", "/users/halima", {"role": "finance"}, expect=400).json()["message"]
    assert admin.call("PATCH", "/users/halima", {"district": "Kismayo"}, expect=200).json()["district"] == "Kismayo"
    assert admin.call("PATCH", "/users/nobody", {"active": False}, expect=404).json()["error"] == "NOT_FOUND"
    assert "at least 12" in admin.post("/users", {"username": "short", "role": "officer", "password": "x" * 11},
                                       expect=400)["message"]
    listed = {u["username"]: u for u in admin.get("/users")}
    assert listed["halima"]["role"] == "supervisor" and not any("token" in u for u in listed.values())
    admin.call("PATCH", "/users/halima", {"active": False}, expect=200)
    assert admin.as_user(created["token"]).call("GET", "/auth/me").status_code == 401


def test_a_user_sets_their_own_password(people):
    admin = people["admin"]
    first = admin.post("/users", {"username": "newbie", "role": "officer"}, expect=201)
    assert not first["has_password"] and sign_in(admin, "newbie", "anything at all").status_code == 401
    newbie = admin.as_user(first["token"])
    assert newbie.post("/auth/password", {"new_password": "my own passphrase"}, expect=200)["has_password"]
    assert newbie.post("/auth/password", {"new_password": "another passphrase"}, expect=403)["error"] == \
        "FORBIDDEN"  # the current password is needed now
    assert sign_in(admin, "newbie", "my own passphrase").status_code == 200


def test_expired_and_forged_tokens_and_tokens_in_urls(people, config):
    admin, officer = people["admin"], people["officer"]
    engine = make_engine(config["DATABASES"]["gateway"])
    with Session(engine) as session, session.begin():
        session.execute(update(Token).where(Token.token_hash == hash_token(officer.token))
                        .values(expires_at=Token.issued_at))
    engine.dispose()
    expired = officer.post("/participants", {"full_name": "x"}, expect=401)
    forged = admin.as_user("x" * 43).post("/programmes", {}, expect=401)
    assert expired["error"] == forged["error"] == "UNAUTHENTICATED"
    rows = last_events(admin, 2)
    assert [(r["action"], r["username"], r["outcome"]) for r in rows] == [
        ("POST /programmes", None, "401 UNAUTHENTICATED"), ("POST /participants", None, "401 UNAUTHENTICATED")]
    in_url = requests.get(f"{admin.base_url}/auth/me?token={admin.token}", timeout=10)
    assert in_url.status_code == 401


def test_oversized_bodies_and_unknown_fields_change_nothing(people, config):
    admin = people["admin"]
    before = len(admin.get("/users"))
    huge = {"username": "big-one", "role": "officer", "district": "x" * config["GATEWAY"]["max_body_bytes"]}
    assert admin.post("/users", huge, expect=400)["message"].startswith("body larger than")
    assert "surprise" in admin.post("/users", {"username": "extra-one", "role": "officer", "surprise": 1},
                                    expect=400)["message"]
    assert "surprise" in admin.as_user(None).post("/auth/sign-in", {"username": "a", "password": "b",
                                                                    "surprise": 1}, expect=400)["message"]
    assert len(admin.get("/users")) == before
    outcomes = [r["outcome"] for r in last_events(admin, 3)]
    assert outcomes == ["400 VALIDATION_ERROR"] * 3


def test_request_ids_are_echoed_and_audited(people):
    admin = people["admin"]
    sane = admin.as_user(None).call("POST", "/no/such/endpoint", {})
    assert sane.status_code == 404 and sane.headers["X-Request-Id"]
    chosen = requests.post(f"{admin.base_url}/programmes", json={}, timeout=10,
                           headers={"Authorization": f"Bearer {admin.token}", "X-Request-Id": "trace-42"})
    assert chosen.headers["X-Request-Id"] == "trace-42"
    odd = requests.post(f"{admin.base_url}/programmes", json={}, timeout=10,
                        headers={"Authorization": f"Bearer {admin.token}", "X-Request-Id": "<script>" * 20})
    assert odd.headers["X-Request-Id"] != "<script>" * 20 and len(odd.headers["X-Request-Id"]) == 32
    rows = last_events(admin, 3)
    assert [r["request_id"] for r in rows] == [odd.headers["X-Request-Id"], "trace-42", sane.headers["X-Request-Id"]]
    assert (rows[2]["action"], rows[2]["outcome"]) == ("POST /no/such/endpoint", "404 NOT_FOUND")
    assert rows[1]["username"].startswith("admin-") and rows[1]["outcome"] == "400 VALIDATION_ERROR"

"""Accounts on their own database, without a broker: passwords, expiry, revocation,
sign-in delays and their audit rows, and `ddrr create-admin`."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.gateway import accounts, throttle
from services.gateway.accounts import CreateUser, UpdateUser
from services.gateway.models import SignInThrottle, Token, User, as_utc, audit_events
from shared.db import make_engine
from shared.errors import Conflict, Forbidden, TooManyAttempts, Unauthenticated
from shared.validation import parse
from tests.gateway.conftest import PASSWORD

SETTINGS = {**accounts.DEFAULTS, "token_ttl_minutes": 60, "sign_in_free_attempts": 3}
STRANGER, OWNER = "203.0.113.9", "10.0.0.7"


@pytest.fixture
def db(base_config):
    engine = make_engine(base_config["DATABASES"]["gateway"])
    session = Session(engine, expire_on_commit=False)
    with session.begin():
        accounts.create_user(session, CreateUser(username="amina", role="officer", district="Kismayo",
                                                 password=PASSWORD), SETTINGS)
    yield session
    session.close()
    engine.dispose()


def trail(session) -> list[tuple]:
    with session.begin():
        return [tuple(row) for row in session.execute(
            select(audit_events.c.username, audit_events.c.action, audit_events.c.outcome,
                   audit_events.c.request_id).order_by(audit_events.c.id))]


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_password_is_stored_as_argon2id_and_signs_in(db):
    with db.begin():
        stored = db.get(User, "amina").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    user, token = accounts.sign_in(db, "amina", PASSWORD, SETTINGS, "req-1")
    with db.begin():
        assert accounts.authenticate(db, bearer(token), SETTINGS).username == user.username == "amina"
        assert db.get(Token, accounts.hash_token(token)) is not None  # stored hashed, never as itself
        assert db.scalar(select(Token).where(Token.token_hash == token)) is None
    assert trail(db)[-1] == ("amina", "sign-in", "200", "req-1")


@pytest.mark.parametrize("username, password, reason", [
    ("amina", "not the password", "WRONG_PASSWORD"),
    ("nobody", PASSWORD, "UNKNOWN_USER"),
])
def test_refusals_look_alike_and_the_audit_says_why(db, username, password, reason):
    with pytest.raises(Unauthenticated) as refused:
        accounts.sign_in(db, username, password, SETTINGS, "req-2")
    assert refused.value.message == accounts.SIGN_IN_REFUSED
    assert trail(db)[-1] == (username, "sign-in", f"401 {reason}", "req-2")


def test_failures_slow_down_the_address_with_growing_delays_not_the_owner(db, clock):
    free = SETTINGS["sign_in_free_attempts"]
    for _ in range(free):
        with pytest.raises(Unauthenticated):
            accounts.sign_in(db, "amina", "guessing-guessing", SETTINGS, address=STRANGER)
    with pytest.raises(TooManyAttempts) as waiting:
        accounts.sign_in(db, "amina", PASSWORD, SETTINGS, address=STRANGER)  # the right password, too early
    assert waiting.value.retry_after == 2  # a 1 s delay, rounded up
    accounts.sign_in(db, "amina", PASSWORD, SETTINGS, address=OWNER)  # the owner is not locked out
    assert [outcome for _u, _a, outcome, _r in trail(db)] == ["401 WRONG_PASSWORD"] * free + [
        "429 THROTTLED", "200"]
    delays = []
    for seconds in (1, 2, 4):  # each further failure, once the delay has passed, doubles the wait
        clock.advance(seconds)
        with pytest.raises(Unauthenticated):
            accounts.sign_in(db, "amina", "guessing-guessing", SETTINGS, address=STRANGER)
        with db.begin():
            row = db.get(SignInThrottle, throttle.account_key("amina", STRANGER))
            delays.append(round((as_utc(row.next_attempt_at) - as_utc(row.last_failure_at)).total_seconds()))
    assert delays == [2, 4, 8]


def test_unknown_usernames_are_throttled_like_real_ones(db, clock):
    for username in ("amina", "nobody"):
        for _ in range(SETTINGS["sign_in_free_attempts"]):
            with pytest.raises(Unauthenticated):
                accounts.sign_in(db, username, "guessing-guessing", SETTINGS, address=STRANGER)
        with pytest.raises(TooManyAttempts):
            accounts.sign_in(db, username, "guessing-guessing", SETTINGS, address=STRANGER)


def test_one_address_trying_many_accounts_waits_too(db, clock):
    settings = {**SETTINGS, "sign_in_free_attempts_per_address": 4}
    for number in range(4):
        with pytest.raises(Unauthenticated):
            accounts.sign_in(db, f"someone-{number}", "guessing-guessing", settings, address=STRANGER)
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(db, "amina", PASSWORD, settings, address=STRANGER)
    accounts.sign_in(db, "amina", PASSWORD, settings, address=OWNER)


def test_a_success_resets_the_count_of_failures(db):
    for _ in range(SETTINGS["sign_in_free_attempts"] - 1):
        with pytest.raises(Unauthenticated):
            accounts.sign_in(db, "amina", "guessing-guessing", SETTINGS)
    accounts.sign_in(db, "amina", PASSWORD, SETTINGS)
    with pytest.raises(Unauthenticated):
        accounts.sign_in(db, "amina", "guessing-guessing", SETTINGS)
    accounts.sign_in(db, "amina", PASSWORD, SETTINGS)  # one failure since the success: no delay


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic YW1pbmE6cGFzcw==", "Bearer forged-token-of-the-right-length-000000000",
])
def test_missing_or_forged_credentials(db, authorization):
    with db.begin(), pytest.raises(Unauthenticated):
        accounts.authenticate(db, authorization, SETTINGS)


def test_expired_revoked_and_too_old_tokens_are_refused(db):
    tokens = [accounts.sign_in(db, "amina", PASSWORD, SETTINGS)[1] for _ in range(3)]
    expired, revoked, kept = tokens
    with db.begin():
        db.execute(update(Token).where(Token.token_hash == accounts.hash_token(expired))
                   .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    accounts.sign_out(db, revoked)
    accounts.sign_out(db, revoked)  # twice: nothing more to do
    with db.begin():
        for token in (expired, revoked):
            with pytest.raises(Unauthenticated):
                accounts.authenticate(db, bearer(token), SETTINGS)
        assert accounts.authenticate(db, bearer(kept), SETTINGS).username == "amina"
        with pytest.raises(Unauthenticated):  # the lifetime was shortened in the configuration since
            accounts.authenticate(db, bearer(kept), {"token_ttl_minutes": 0})


def test_changing_the_password_ends_the_other_tokens(db):
    _user, other = accounts.sign_in(db, "amina", PASSWORD, SETTINGS)
    user, mine = accounts.sign_in(db, "amina", PASSWORD, SETTINGS)
    new = "a completely new passphrase"
    with pytest.raises(Forbidden):
        accounts.change_password(db, "amina", parse(
            accounts.ChangePassword, {"current_password": "wrong", "new_password": new}), mine, SETTINGS)
    accounts.change_password(db, "amina", parse(
        accounts.ChangePassword, {"current_password": PASSWORD, "new_password": new}), mine, SETTINGS)
    with db.begin():
        assert accounts.authenticate(db, bearer(mine)).username == "amina"
        with pytest.raises(Unauthenticated):
            accounts.authenticate(db, bearer(other))
    accounts.sign_in(db, "amina", new, SETTINGS)


def test_guessing_the_current_password_from_a_live_session_is_throttled_like_signing_in(db):
    """A stolen session must not become an unlimited password oracle."""
    _user, stolen = accounts.sign_in(db, "amina", PASSWORD, SETTINGS, address=STRANGER)
    guess = parse(accounts.ChangePassword, {"current_password": "guessing-guessing", "new_password": "x" * 20})
    for _ in range(SETTINGS["sign_in_free_attempts"]):
        with pytest.raises(Forbidden):
            accounts.change_password(db, "amina", guess, stolen, SETTINGS, address=STRANGER)
    right = parse(accounts.ChangePassword, {"current_password": PASSWORD, "new_password": "x" * 20})
    with pytest.raises(TooManyAttempts):  # the right password, too early: not even looked at
        accounts.change_password(db, "amina", right, stolen, SETTINGS, address=STRANGER)
    with pytest.raises(TooManyAttempts):  # and the guesses slowed signing in from there too
        accounts.sign_in(db, "amina", PASSWORD, SETTINGS, address=STRANGER)
    accounts.sign_in(db, "amina", PASSWORD, SETTINGS, address=OWNER)  # unchanged, and the owner not locked out


def test_deactivation_and_password_reset_end_every_token(db):
    _user, token = accounts.sign_in(db, "amina", PASSWORD, SETTINGS)
    with db.begin():
        accounts.update_user(db, "amina", UpdateUser(active=False))
    with db.begin(), pytest.raises(Unauthenticated):
        accounts.authenticate(db, bearer(token))
    with pytest.raises(Unauthenticated):
        accounts.sign_in(db, "amina", PASSWORD, SETTINGS)
    assert trail(db)[-1][2] == "401 INACTIVE"
    with db.begin():
        accounts.update_user(db, "amina", UpdateUser(active=True, password="reset by the admin"))
    with db.begin(), pytest.raises(Unauthenticated):
        accounts.authenticate(db, bearer(token))  # reactivating does not revive old tokens
    accounts.sign_in(db, "amina", "reset by the admin", SETTINGS)


def test_one_person_one_account_one_role(db):
    with db.begin(), pytest.raises(Conflict, match="as officer"):
        accounts.create_user(db, CreateUser(username="amina", role="finance"), SETTINGS)
    assert "role" not in UpdateUser.model_fields


def run_cli(base_config, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "GATEWAY_DATABASE_URL": base_config["DATABASES"]["gateway"]}
    return subprocess.run([sys.executable, "-m", "services.cli", "create-admin", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=60)


def test_create_admin_with_a_password_from_stdin(base_config, db):
    result = run_cli(base_config, "root", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout
    user, _token = accounts.sign_in(db, "root", PASSWORD, SETTINGS)
    assert user.role == "admin"
    too_short = run_cli(base_config, "root2", "--password-stdin", stdin="short\n")
    assert too_short.returncode == 1 and "at least 12 characters" in too_short.stderr
    taken = run_cli(base_config, "amina", "--password-stdin", stdin=PASSWORD + "\n")
    assert taken.returncode == 1 and "already exists" in taken.stderr


def test_create_admin_without_a_terminal_prints_a_first_token(base_config, db):
    result = run_cli(base_config, "root")
    assert result.returncode == 0, result.stderr
    with db.begin():
        assert accounts.authenticate(db, bearer(result.stdout.strip())).role == "admin"

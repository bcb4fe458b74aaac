"""Delivery of a referral to a partner's HTTP API.

One POST of the pseudonymous payload, with the referral id as `Idempotency-Key` (so a
retried request is recognised by the partner), the partner's API token as a bearer token
when it has one, and an `X-DDRR-Signature` of the body with the partner's webhook secret
so the partner can check it comes from us. Connection errors, timeouts and 5xx answers
are retried by urllib3's `Retry` with exponential backoff; POST is allowed to be retried
because of the idempotency key. Redirects are not followed (the token stays with the host
the admin registered). Runs outside any database transaction; under eventlet the socket
waits and the backoff sleeps are green.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

RETRY_STATUSES = (500, 502, 503, 504)
BACKOFF_MAX = 30.0
SIGNATURE_HEADER = "X-DDRR-Signature"


@dataclass(frozen=True)
class Settings:
    timeout_seconds: float = 5.0
    retries: int = 3
    backoff_factor: float = 0.5

    @classmethod
    def from_config(cls, config: dict) -> "Settings":
        block = config.get("REFERRALS") or {}
        return cls(timeout_seconds=float(block.get("timeout_seconds", cls.timeout_seconds)),
                   retries=int(block.get("retries", cls.retries)),
                   backoff_factor=float(block.get("backoff_factor", cls.backoff_factor)))

    def worst_case_seconds(self) -> float:
        """An upper bound of one delivery: every attempt's connect and read timeouts plus
        every backoff sleep."""
        sleeps = sum(min(BACKOFF_MAX, self.backoff_factor * 2 ** (n - 1)) for n in range(2, self.retries + 1))
        return (self.retries + 1) * 2 * self.timeout_seconds + sleeps


@dataclass(frozen=True)
class Delivery:
    """What one delivery needs, read inside the transaction that claimed it."""
    referral_id: str
    claim: str
    url: str
    api_token: str | None
    secret: str
    payload: dict


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    error: str | None = None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Tally:
    def __init__(self):
        self.retried = 0


class _CountingRetry(Retry):
    """urllib3's Retry, counting the attempts it retried (Retry objects are copied on
    every increment, so the count lives in a shared tally)."""

    def __init__(self, *args, tally: _Tally | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tally = tally if tally is not None else _Tally()

    def new(self, **kw):
        kw.setdefault("tally", self.tally)
        return super().new(**kw)

    def increment(self, *args, **kwargs):
        retry = super().increment(*args, **kwargs)  # raises once the retries are spent
        self.tally.retried += 1
        return retry


def _retry(settings: Settings) -> _CountingRetry:
    return _CountingRetry(
        total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
        other=settings.retries, redirect=False, backoff_factor=settings.backoff_factor, backoff_max=BACKOFF_MAX,
        status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"POST"}), raise_on_status=False,
        raise_on_redirect=False, respect_retry_after_header=False)


def _reason(exc: Exception) -> str:
    """A short reason that quotes nothing of the request (so never the token)."""
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    if isinstance(cause, urllib3_exceptions.NewConnectionError):  # a ConnectTimeoutError subclass
        return "could not connect"
    if isinstance(exc, requests.exceptions.Timeout) or isinstance(cause, urllib3_exceptions.TimeoutError):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "could not connect"
    return type(exc).__name__


def deliver(delivery: Delivery, settings: Settings) -> Outcome:
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": delivery.referral_id,
               SIGNATURE_HEADER: sign(delivery.secret, body)}
    if delivery.api_token:
        headers["Authorization"] = f"Bearer {delivery.api_token}"
    retry = _retry(settings)
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc credentials from the environment
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        try:
            response = session.post(delivery.url, data=body, headers=headers,
                                    timeout=settings.timeout_seconds, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            return Outcome(False, retry.tally.retried + 1, f"{_reason(exc)} after {retry.tally.retried + 1} attempts")
        attempts = retry.tally.retried + 1
        response.close()
    if 200 <= response.status_code < 300:
        return Outcome(True, attempts)
    return Outcome(False, attempts, f"partner answered HTTP {response.status_code} after {attempts} attempts")

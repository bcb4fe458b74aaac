"""The payment provider's name check (`POST /v1/accounts/verify`): is there such an account,
and is it held by this name?

One short request (`ENROLLMENT.name_check`: base URL, timeout of each attempt, retries with
backoff on connection errors, timeouts and 5xx; the check changes nothing at the provider,
so retrying is safe) with the provider's bearer token (`PROVIDER.token`). Whatever goes
wrong is a `ProviderUnavailable` that quotes neither the number nor the name, and nothing
here logs them. Runs outside any database transaction; under eventlet the waits are green."""
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from shared.errors import ProviderUnavailable

MATCH, NO_MATCH, UNKNOWN_ACCOUNT = "MATCH", "NO_MATCH", "UNKNOWN_ACCOUNT"
ANSWERS = frozenset({MATCH, NO_MATCH, UNKNOWN_ACCOUNT})
PATH = "/v1/accounts/verify"
AGAIN = "nothing was changed; try again later"


@dataclass(frozen=True)
class Settings:
    url: str
    token: str
    timeout_seconds: float = 2.0
    retries: int = 2
    backoff_factor: float = 0.2

    @classmethod
    def from_config(cls, config: dict) -> "Settings":
        block = config["ENROLLMENT"].get("name_check") or {}
        return cls(url=str(block.get("url", "http://127.0.0.1:8100")).rstrip("/"),
                   token=str(config["PROVIDER"]["token"]),
                   timeout_seconds=float(block.get("timeout_seconds", cls.timeout_seconds)),
                   retries=int(block.get("retries", cls.retries)),
                   backoff_factor=float(block.get("backoff_factor", cls.backoff_factor)))


def _session(settings: Settings) -> requests.Session:
    retry = Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                  status=settings.retries, redirect=False, backoff_factor=settings.backoff_factor,
                  status_forcelist=(500, 502, 503, 504), allowed_methods=frozenset({"POST"}),
                  raise_on_status=False, respect_retry_after_header=False)
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc credentials from the environment
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def check(settings: Settings, account: dict, name: str) -> str:
    """MATCH, NO_MATCH or UNKNOWN_ACCOUNT for `account` (`{"msisdn": …}` or
    `{"bank_account": {"bank_code": …, "account_number": …}}`) and the holder's `name`."""
    with _session(settings) as session:
        try:
            response = session.post(settings.url + PATH, json={**account, "name": name},
                                    headers={"Authorization": f"Bearer {settings.token}"},
                                    timeout=settings.timeout_seconds, allow_redirects=False)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"the payment provider did not answer the name check "
                                      f"({type(exc).__name__}); {AGAIN}") from None
    if response.status_code != 200:
        raise ProviderUnavailable(f"the payment provider answered the name check with HTTP "
                                  f"{response.status_code}; {AGAIN}")
    try:
        answer = response.json()["result"]
    except (ValueError, KeyError, TypeError):
        answer = None
    if answer not in ANSWERS:
        raise ProviderUnavailable(f"the payment provider's answer to the name check could not be read; {AGAIN}")
    return answer

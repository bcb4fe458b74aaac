"""The provider's disbursement API over HTTP (requests): send a batch, ask the status of
payments. Each attempt has a timeout; connection errors, timeouts and 5xx answers are retried
with backoff (safe: a batch is idempotent by its key, a status query changes nothing), then
the call raises `ProviderUnavailable`. Messages never quote an account number."""
import logging

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from services.ledger.payments.settings import PaymentSettings
from shared.errors import DomainError, IdempotencyConflict, ProviderUnavailable

log = logging.getLogger(__name__)
MAX_STATUS_QUERY = 10000


class ProviderRefused(DomainError):
    """The provider refused a whole batch as malformed (400): sending it again cannot help."""
    code = "PROVIDER_REFUSED"


class ProviderClient:
    def __init__(self, settings: PaymentSettings):
        self.settings = settings
        retry = Retry(total=settings.retries, connect=settings.retries, read=settings.retries,
                      status=settings.retries, redirect=False, backoff_factor=settings.backoff_factor,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=frozenset({"POST"}),
                      raise_on_status=False, respect_retry_after_header=False)
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.mount("http://", HTTPAdapter(max_retries=retry))
        self._session.mount("https://", HTTPAdapter(max_retries=retry))

    def _post(self, path: str, body: dict, headers: dict | None = None) -> requests.Response:
        try:
            response = self._session.post(self.settings.provider_url + path, json=body, allow_redirects=False,
                                          headers={"Authorization": f"Bearer {self.settings.token}", **(headers or {})},
                                          timeout=self.settings.timeout_seconds)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"the provider did not answer {path} ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise ProviderUnavailable(f"the provider answered {path} with {response.status_code}")
        return response

    def send_batch(self, batch_key: str, payments: list[dict], callback_url: str) -> dict:
        """The provider's 202 answer: per payment ACCEPTED (possibly `existing`) or REJECTED."""
        response = self._post("/v1/batches", {"callback_url": callback_url, "payments": payments},
                              {"X-Reference-Id": batch_key})
        if response.status_code == 409:
            raise IdempotencyConflict(f"the provider holds batch {batch_key} with other content")
        if response.status_code != 202:
            raise ProviderRefused(f"the provider refused batch {batch_key}: {response.status_code} "
                                  f"{_error(response)}")
        return response.json()

    def statuses(self, references: list[str]) -> tuple[list[dict], list[str]]:
        """The payments the provider knows by these references, and the references it does not know."""
        found, unknown = [], []
        for start in range(0, len(references), MAX_STATUS_QUERY):
            response = self._post("/v1/payments/status", {"reference_ids": references[start:start + MAX_STATUS_QUERY]})
            if response.status_code != 200:
                raise ProviderUnavailable(f"the provider answered a status query with {response.status_code} "
                                          f"{_error(response)}")
            answer = response.json()
            found += answer["payments"]
            unknown += answer["not_found"]
        return found, unknown

    def close(self) -> None:
        self._session.close()


def _error(response: requests.Response) -> str:
    try:
        return str(response.json().get("error"))
    except ValueError:
        return "(no JSON)"

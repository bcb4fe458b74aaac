"""Calling the provider from a test: an authenticated session and payments to send."""
import time
import uuid

import requests


def payment(number: int, **fields) -> dict:
    return {"reference_id": f"pay-{number}", "msisdn": f"25670{number:07d}", "amount": "10.00",
            "currency": "USD", "payee_note": "allowance", **fields}


class Client:
    def __init__(self, url: str, settings):
        self.url, self.settings = url, settings
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {settings.token}"

    def post(self, path: str, body=None, **kwargs) -> requests.Response:
        return self.session.post(self.url + path, json=body, timeout=kwargs.pop("timeout", 10), **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, timeout=10, **kwargs)

    def send(self, payments: list[dict], callback_url: str | None = None, key: str | None = None,
             **kwargs) -> requests.Response:
        body = {"payments": payments, **({"callback_url": callback_url} if callback_url else {})}
        return self.post("/v1/batches", body, headers={"X-Reference-Id": key or str(uuid.uuid4())}, **kwargs)

    def status(self, *references: str) -> dict:
        answer = self.post("/v1/payments/status", {"reference_ids": list(references)})
        assert answer.status_code == 200, answer.text
        return {item["reference_id"]: item for item in answer.json()["payments"]}

    def statement(self, first: str = "2000-01-01", last: str = "2100-01-01") -> str:
        answer = self.get("/v1/statement", params={"from": first, "to": last})
        assert answer.status_code == 200, answer.text
        return answer.text

    def faults(self, **switches) -> dict:
        answer = self.post("/_faults", switches)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def settled(self, reference: str, timeout: float = 5.0) -> dict:
        """The payment's status once it is no longer PENDING."""
        deadline = time.monotonic() + timeout
        while (item := self.status(reference)[reference])["status"] == "PENDING":
            assert time.monotonic() < deadline, f"{reference} still PENDING after {timeout} s"
            time.sleep(0.05)
        return item

"""Helpers for tests that drive the running suite over HTTP."""
import time
import uuid

import eventlet
import requests
from nameko.amqp.publish import Publisher

from services.gateway.accounts import CreateUser, create_user_in
from shared.outbox import event_exchange


class Api:
    """A tiny HTTP client for the running gateway, signed in as one user."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.token = token

    def as_user(self, token: str) -> "Api":
        return Api(self.base_url, token)

    def new_user(self, username: str, role: str, district: str | None = None, **extra) -> "Api":
        """As an admin: create an account and return a client signed in as it."""
        created = self.post("/users", {"username": username, "role": role, "district": district, **extra},
                            expect=201)
        return self.as_user(created["token"])

    def call(self, method: str, path: str, json=None, expect: int | None = None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = requests.request(method, self.base_url + path, json=json, headers=headers, timeout=30)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response

    def call_raw(self, method: str, path: str, data: bytes, content_type: str, expect: int):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        response = requests.request(method, self.base_url + path, data=data, headers=headers, timeout=60)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response

    def get(self, path, expect=200):
        return self.call("GET", path, expect=expect).json()

    def post(self, path, json=None, expect=None):
        return self.call("POST", path, json={} if json is None else json, expect=expect).json()


def eventually(check, timeout: float = 20.0, interval: float = 0.1):
    """Poll `check` until it returns a truthy value (events are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        eventlet.sleep(interval)


def bootstrap_admin(config: dict) -> str:
    """The first admin is created from the command line in real life; here, directly."""
    return create_user_in(config["DATABASES"]["gateway"],
                          CreateUser(username=f"admin-{uuid.uuid4().hex[:6]}", role="admin"))


def event_publisher(amqp_uri: str, source: str):
    """Publish envelopes by hand, exactly as `source`'s outbox relay would."""
    exchange = event_exchange(source)
    publisher = Publisher(amqp_uri, use_confirms=True, serializer="json", declare=[exchange])

    def send(envelope):
        publisher.publish(envelope.model_dump(mode="json"), exchange=exchange,
                          routing_key=envelope.type, message_id=envelope.event_id)
    return send

"""The callback signature: what the payment adapter checks before it believes a callback."""
import json

import requests

from services.provider import signing

SECRET = "shared-secret"
BODY = json.dumps({"batch_id": "b1", "results": [{"reference_id": "pay-1", "status": "SUCCESSFUL"}]}).encode()


def test_a_signed_body_verifies():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    assert headers[signing.SIGNATURE_HEADER].startswith("sha256=")
    assert signing.verify(SECRET, BODY, headers, now=1_800_000_010)


def test_a_tampered_body_fails():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    tampered = BODY.replace(b"SUCCESSFUL", b"FAILED")
    assert not signing.verify(SECRET, tampered, headers, now=1_800_000_000)


def test_a_changed_timestamp_another_secret_or_missing_headers_fail():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    moved = {**headers, signing.TIMESTAMP_HEADER: "1800000001"}
    assert not signing.verify(SECRET, BODY, moved, now=1_800_000_000)
    assert not signing.verify("another-secret", BODY, headers, now=1_800_000_000)
    assert not signing.verify(SECRET, BODY, {}, now=1_800_000_000)
    assert not signing.verify(SECRET, BODY, {**headers, signing.TIMESTAMP_HEADER: "soon"}, now=1_800_000_000)


def test_an_old_callback_replayed_fails():
    headers = signing.sign(SECRET, BODY, timestamp=1_800_000_000)
    assert signing.verify(SECRET, BODY, headers, now=1_800_000_000 + 300)
    assert not signing.verify(SECRET, BODY, headers, now=1_800_000_000 + 301)


def test_the_receiver_refuses_a_tampered_callback(provider, receiver):
    headers = {"Content-Type": "application/json", **signing.sign(provider.settings.callback_secret, BODY)}
    assert requests.post(receiver.url, data=BODY, headers=headers, timeout=10).status_code == 200
    tampered = BODY.replace(b"pay-1", b"pay-2")
    assert requests.post(receiver.url, data=tampered, headers=headers, timeout=10).status_code == 401
    assert (len(receiver.callbacks), receiver.refused) == (1, 1)

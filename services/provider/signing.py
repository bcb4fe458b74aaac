"""Signatures of the provider's callbacks: HMAC-SHA256 with a shared secret.

The signed message is `<timestamp>.<body>` (the timestamp in whole Unix seconds, the body
as the exact bytes received), so a captured callback cannot be replayed later with a new
timestamp. The headers are `X-Signature: sha256=<hex>` and `X-Signature-Timestamp`.
A receiver (the ledger's payment adapter) calls `verify` before reading the body.
"""
import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers to send with `body`."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {SIGNATURE_HEADER: signature(secret, stamp, body), TIMESTAMP_HEADER: str(stamp)}


def verify(secret: str, body: bytes, headers, now: float | None = None,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True when `headers` carry a valid signature of `body` made within `tolerance` seconds
    of `now`. Any missing, malformed, stale or wrong signature is False, never an error."""
    given, stamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not given or not stamp or not stamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, int(stamp), body))

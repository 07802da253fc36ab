"""Webhook signatures: `X-ImageHub-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The secret is the webhook's own (shown on its page). A receiver recomputes
the HMAC over the time and the raw body it got, compares it in constant time,
and refuses a time too far from its clock, so a captured request cannot be
replayed later.
"""

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-ImageHub-Signature"
EVENT_HEADER = "X-ImageHub-Event"
DELIVERY_HEADER = "X-ImageHub-Delivery"
VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """Return a fresh random signing secret (url-safe text)."""
    return "whsec_" + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the signature header's value for `body` sent at `timestamp` (now by default)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},{VERSION}={digest(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str, *, tolerance: float = DEFAULT_TOLERANCE_SECONDS,
           now: float | None = None) -> bool:
    """Return whether `header` signs `body` with `secret` at a time within `tolerance` seconds of `now`."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = digest(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in fields.get(VERSION, []))

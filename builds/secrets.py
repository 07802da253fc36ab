"""Sensitive variable values encrypted at rest with Fernet, under a key from the settings.

The key is the first of IMAGEHUB["SECRETS_KEYS"] (env IMAGEHUB_SECRETS_KEYS,
comma-separated Fernet keys; the others still decrypt, for rotation), or,
when none is set, one derived from SECRET_KEY, which every web and worker
process of an installation shares already.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretsUnreadable(Exception):
    """Stored values cannot be decrypted with the configured keys."""


def derived_key(secret_key: str) -> bytes:
    """Return the Fernet key derived from `secret_key`."""
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"imagehub sensitive variables", info=b"fernet")
    return base64.urlsafe_b64encode(kdf.derive(secret_key.encode("utf-8")))


def _fernet() -> MultiFernet:
    keys = settings.IMAGEHUB.get("SECRETS_KEYS") or [derived_key(settings.SECRET_KEY)]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "IMAGEHUB_SECRETS_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each), "
            "separated by commas."
        )


def encrypt(values: dict) -> str:
    """Return `values` (JSON-ready) encrypted as text; "" for no values."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values).encode("utf-8")).decode("ascii")


def decrypt(token: str) -> dict:
    """Return the values `token` holds ({} for ""); raises SecretsUnreadable when no key opens it."""
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode("ascii")))
    except InvalidToken:
        raise SecretsUnreadable(
            "The stored sensitive values cannot be decrypted: SECRET_KEY or IMAGEHUB_SECRETS_KEYS changed "
            "since they were stored. Put the old key in IMAGEHUB_SECRETS_KEYS after the new one, or start "
            "a new build and give the values again."
        )

"""Temporary SSH key pairs (rsa, ecdsa, ed25519) as OpenSSH private key text and authorized_keys lines.

Packer's builders make a key pair for each build unless the template names
credentials (packer-plugin-sdk ``sshkey.GeneratePair``). The defaults are
Packer's: rsa of 4096 bits, ecdsa on the P-521 curve. DSA, which Packer still
offers, is refused: OpenSSH no longer accepts DSA keys.

cryptography (and hashlib) are imported only when a key is made or read, so
that checking a template's settings does not load them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEY_TYPES = ("rsa", "ecdsa", "ed25519")
DEFAULT_BITS = {"rsa": 4096, "ecdsa": 521, "ed25519": 256}
MIN_RSA_BITS = 1024
ECDSA_CURVES = {256: "SECP256R1", 384: "SECP384R1", 521: "SECP521R1"}  # cryptography's curve class names


class KeyPairError(ValueError):
    """A key pair cannot be made or read as asked; the message says why (never the key itself)."""


@dataclass(frozen=True)
class KeyPair:
    """A private key (OpenSSH format text) and its public half as an ``authorized_keys`` line."""

    type: str  # "rsa", "ecdsa" or "ed25519"
    bits: int
    private_key: str = field(repr=False)
    public_key: str  # "ssh-ed25519 AAAA... comment", without a newline

    @property
    def fingerprint(self) -> str:
        """The SHA256 fingerprint OpenSSH prints (``SHA256:...``)."""
        return fingerprint(self.public_key)


def check_key_pair_type(key_type: str, bits: int) -> str | None:
    """Return a problem with a ``temporary_key_pair_type``/``_bits`` combination, or None if it is usable.

    ``bits`` 0 means the type's default.
    """
    if key_type == "dsa":
        return ("temporary_key_pair_type \"dsa\" is not supported: OpenSSH no longer accepts DSA "
                "keys; use \"ed25519\" or \"rsa\"")
    if key_type not in KEY_TYPES:
        return (f"temporary_key_pair_type {key_type!r} is invalid: possible types are "
                "`ecdsa` | `ed25519` | `rsa` (the default)")
    if bits == 0 or key_type == "ed25519":
        return None
    if key_type == "rsa" and bits < MIN_RSA_BITS:
        return f"temporary_key_pair_bits {bits} is too small for rsa: it must be at least {MIN_RSA_BITS}"
    if key_type == "ecdsa" and bits not in ECDSA_CURVES:
        return f"temporary_key_pair_bits {bits} is invalid for ecdsa: it must be one of 256, 384 or 521"
    return None


def generate_key_pair(key_type: str = "rsa", bits: int = 0, comment: str = "") -> KeyPair:
    """Make a new key pair; ``bits`` 0 picks the type's default. Raises :class:`KeyPairError`."""
    problem = check_key_pair_type(key_type, bits)
    if problem:
        raise KeyPairError(problem)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    bits = bits or DEFAULT_BITS[key_type]
    if key_type == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    elif key_type == "ecdsa":
        private = ec.generate_private_key(getattr(ec, ECDSA_CURVES[bits])())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
        bits = DEFAULT_BITS["ed25519"]
    private_text = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode("ascii")
    return KeyPair(key_type, bits, private_text, _public_line(private.public_key(), comment))


def public_key_from_private(private_key: str | bytes, comment: str = "") -> str:
    """Return the ``authorized_keys`` line of a private key (OpenSSH or PEM text). Raises :class:`KeyPairError`."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    data = private_key.encode("utf-8") if isinstance(private_key, str) else bytes(private_key)
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in data:
            private = serialization.load_ssh_private_key(data, password=None)
        else:
            private = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyPairError("the private key is protected by a passphrase; ImageHub needs an "
                           "unencrypted key") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyPairError(f"not a private key ImageHub can read: {_reason(exc)}") from None
    return _public_line(private.public_key(), comment)


def fingerprint(public_key_line: str) -> str:
    """Return ``SHA256:<base64>`` for an ``authorized_keys`` line, as ``ssh-keygen -l`` prints it."""
    import base64
    import hashlib

    parts = public_key_line.split()
    if len(parts) < 2:
        raise KeyPairError("not an authorized_keys line: expected '<type> <base64 key> [comment]'")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise KeyPairError("not an authorized_keys line: the key is not base64") from None
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def _public_line(public_key, comment: str) -> str:
    from cryptography.hazmat.primitives import serialization

    line = public_key.public_bytes(serialization.Encoding.OpenSSH,
                                   serialization.PublicFormat.OpenSSH).decode("ascii")
    return f"{line} {comment}" if comment else line


def _reason(exc: Exception) -> str:
    # cryptography's messages name the format problem, never the key material.
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

"""Hash and crypto functions: md5, sha*, base64sha*, bcrypt, rsadecrypt, uuidv4, uuidv5."""

from __future__ import annotations

from ..types import NUMBER, STRING
from .base import FunctionError, Param, define, to_int


def _digest(name: str, text: str) -> bytes:
    import hashlib

    return hashlib.new(name, text.encode("utf-8")).digest()


def _hex_hash(name: str):
    def hash_function(ctx, text):
        return _digest(name, text).hex()

    hash_function.__doc__ = f"The {name.upper()} hash of the string's UTF-8 bytes, in hexadecimal."
    return define(name, Param("str", STRING))(hash_function)


md5 = _hex_hash("md5")
sha1 = _hex_hash("sha1")
sha256 = _hex_hash("sha256")
sha512 = _hex_hash("sha512")


def _base64_hash(name: str, algorithm: str):
    def hash_function(ctx, text):
        import base64

        return base64.b64encode(_digest(algorithm, text)).decode("ascii")

    hash_function.__doc__ = f"The {algorithm.upper()} hash of the string's UTF-8 bytes, in base64."
    return define(name, Param("str", STRING))(hash_function)


base64sha256 = _base64_hash("base64sha256", "sha256")
base64sha512 = _base64_hash("base64sha512", "sha512")


@define("bcrypt", Param("str", STRING), variadic=Param("cost", NUMBER))
def bcrypt_(ctx, text, *costs):
    """The Blowfish hash of the string, with the given cost (default 10)."""
    import bcrypt

    cost = 10
    if costs:
        cost = to_int(costs[0])
    if len(costs) > 1:
        raise FunctionError("bcrypt() takes no more than two arguments")
    if cost < 4:
        cost = 10
    if cost > 31:
        raise FunctionError(
            f"error occured generating password crypto/bcrypt: cost {cost} is outside allowed range (4,31)"
        )
    password = text.encode("utf-8")
    if len(password) > 72:
        raise FunctionError("error occured generating password bcrypt: password length exceeds 72 bytes")
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds=cost, prefix=b"2a")).decode("ascii")


@define("rsadecrypt", Param("ciphertext", STRING), Param("privatekey", STRING))
def rsadecrypt(ctx, ciphertext, private_key):
    """The plain text of base64 RSA (PKCS #1 v1.5) cipher text, decrypted with a PEM private key."""
    import base64
    import binascii

    try:
        data = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError):
        raise FunctionError(f'failed to decode input "{ciphertext}": cipher text must be base64-encoded') from None
    if "-----BEGIN" not in private_key:
        raise FunctionError("failed to parse key: no key found")
    if "Proc-Type: 4,ENCRYPTED" in private_key:
        raise FunctionError(
            "failed to parse key: password protected keys are not supported. Please decrypt the key prior to use"
        )
    if "-----BEGIN RSA PRIVATE KEY-----" not in private_key:
        raise FunctionError(
            "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)"
        )
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise FunctionError(f"x509: failed to parse private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise FunctionError("x509: failed to parse private key: not an RSA key")
    try:
        plain = key.decrypt(data, padding.PKCS1v15())
    except ValueError:
        raise FunctionError("crypto/rsa: decryption error") from None
    return plain.decode("utf-8", errors="replace")


@define("uuidv4")
def uuidv4(ctx):
    """A new random UUID."""
    import uuid

    return str(uuid.uuid4())


@define("uuidv5", Param("namespace", STRING), Param("name", STRING))
def uuidv5(ctx, namespace, name):
    """The name-based (SHA-1) UUID of a name in a namespace (``dns``, ``url``, ``oid``, ``x500`` or a UUID)."""
    import uuid

    known = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
             "x500": uuid.NAMESPACE_X500}
    space = known.get(namespace)
    if space is None:
        try:
            space = uuid.UUID(namespace)
        except ValueError:
            reason = (
                f"invalid UUID length: {len(namespace)}"
                if len(namespace) not in (32, 36, 38, 45)
                else "invalid UUID format"
            )
            raise FunctionError(f"uuidv5() doesn't support namespace {namespace} ({reason})") from None
    return str(uuid.uuid5(space, name))

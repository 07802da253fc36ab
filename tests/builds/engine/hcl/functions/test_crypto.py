"""Tests for the hash and crypto functions."""

import base64
import re

import bcrypt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("md5", "5eb63bbbe01eeed093cb22bb8f5acdc3"),
        ("sha1", "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
        ("sha256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
        ("sha512", "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
        ("base64sha256", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
        ("base64sha512", "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
    ],
)
def test_hashes_of_hello_world(call, name, expected):
    assert call(name, "hello world") == expected


def test_bcrypt_hash_verifies_and_uses_the_2a_prefix(call):
    hashed = call("bcrypt", "hello world", 4)
    assert re.fullmatch(r"\$2a\$04\$.{53}", hashed)
    assert bcrypt.checkpw(b"hello world", hashed.encode())


def test_bcrypt_cost_below_minimum_uses_the_default(call):
    assert call("bcrypt", "x", 3).startswith("$2a$10$")


def test_bcrypt_errors(call_error):
    assert call_error("bcrypt", "x", 32) == (
        'Call to function "bcrypt" failed: error occured generating password crypto/bcrypt: cost 32 is outside '
        "allowed range (4,31).",
        None,
    )
    assert call_error("bcrypt", "x", 4, 5) == (
        'Call to function "bcrypt" failed: bcrypt() takes no more than two arguments.', None
    )


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return key, pem


def test_rsadecrypt_decrypts_pkcs1_v15(call, rsa_key):
    key, pem = rsa_key
    ciphertext = base64.b64encode(key.public_key().encrypt(b"secret!", padding.PKCS1v15())).decode()
    assert call("rsadecrypt", ciphertext, pem) == "secret!"


def test_rsadecrypt_errors(call_error, rsa_key):
    key, pem = rsa_key
    assert call_error("rsadecrypt", "%%%", pem) == (
        'Call to function "rsadecrypt" failed: failed to decode input "%%%": cipher text must be base64-encoded.',
        None,
    )
    assert call_error("rsadecrypt", "AAAA", "not a key") == (
        'Call to function "rsadecrypt" failed: failed to parse key: no key found.', None
    )
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert call_error("rsadecrypt", "AAAA", pkcs8)[0].endswith(
        "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)."
    )
    assert call_error("rsadecrypt", "AAAA", pem) == (
        'Call to function "rsadecrypt" failed: crypto/rsa: decryption error.', None
    )


def test_uuidv4_is_random_version_4(call):
    first, second = call("uuidv4"), call("uuidv4")
    assert first != second
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("dns", "www.terraform.io", "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
        ("url", "https://www.terraform.io/", "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
        ("oid", "1.3.6.1.4", "af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
        ("x500", "CN=Example,C=GB", "84e09961-4aa4-57f8-95b7-03edb1073253"),
        ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io", "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ],
)
def test_uuidv5_examples(call, namespace, name, expected):
    assert call("uuidv5", namespace, name) == expected


def test_uuidv5_rejects_unknown_namespaces(call_error):
    assert call_error("uuidv5", "x", "y") == (
        'Call to function "uuidv5" failed: uuidv5() doesn\'t support namespace x (invalid UUID length: 1).', None
    )

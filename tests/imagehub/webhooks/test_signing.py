"""Tests of webhook signatures: what a receiver computes matches, and any change to the body or time fails."""

import hashlib
import hmac

from imagehub.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"build":{"id":7,"status":"succeeded"},"event":"build.succeeded"}'


def receiver_accepts(secret: str, body: bytes, header: str) -> bool:
    """What README.md tells receivers to do, written out independently of the module."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def test_a_receiver_computing_the_hmac_accepts_the_signature():
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)

    assert header.startswith("t=1700000000,v1=")
    assert receiver_accepts(SECRET, BODY, header)
    assert signing.verify(SECRET, BODY, header, now=1_700_000_010)


def test_a_tampered_body_fails_verification():
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)
    tampered = BODY.replace(b"succeeded", b"failed")

    assert not receiver_accepts(SECRET, tampered, header)
    assert not signing.verify(SECRET, tampered, header, now=1_700_000_000)


def test_another_secret_or_a_changed_time_fails_verification():
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)
    moved = header.replace("t=1700000000", "t=1700000001")

    assert not signing.verify("whsec_other", BODY, header, now=1_700_000_000)
    assert not signing.verify(SECRET, BODY, moved, now=1_700_000_000)


def test_a_signature_older_than_the_tolerance_is_refused_as_a_replay():
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)

    assert not signing.verify(SECRET, BODY, header, now=1_700_000_000 + signing.DEFAULT_TOLERANCE_SECONDS + 1)


def test_a_malformed_header_is_refused():
    assert not signing.verify(SECRET, BODY, "v1=abc")
    assert not signing.verify(SECRET, BODY, "t=soon,v1=abc")


def test_new_secrets_differ():
    assert signing.new_secret() != signing.new_secret()
    assert len(signing.new_secret()) > 40

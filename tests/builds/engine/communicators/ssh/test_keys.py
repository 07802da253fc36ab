"""Tests for temporary key pairs: types and sizes, OpenSSH formats, fingerprints, errors."""

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from builds.engine.communicators.ssh.keys import (
    DEFAULT_BITS,
    KeyPairError,
    fingerprint,
    generate_key_pair,
    public_key_from_private,
)


@pytest.mark.parametrize(("key_type", "bits", "prefix"), [
    ("ed25519", 0, "ssh-ed25519 "),
    ("ecdsa", 0, "ecdsa-sha2-nistp521 "),
    ("ecdsa", 256, "ecdsa-sha2-nistp256 "),
    ("ecdsa", 384, "ecdsa-sha2-nistp384 "),
    ("rsa", 2048, "ssh-rsa "),
])
def test_generated_pairs_are_openssh_text(key_type, bits, prefix):
    pair = generate_key_pair(key_type, bits, comment="packer_build")

    assert pair.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert pair.public_key.startswith(prefix)
    assert pair.public_key.endswith(" packer_build")
    assert "\n" not in pair.public_key
    assert public_key_from_private(pair.private_key, "packer_build") == pair.public_key


def test_rsa_pairs_have_the_requested_size():
    pair = generate_key_pair("rsa", 1024)

    loaded = serialization.load_ssh_private_key(pair.private_key.encode(), password=None)
    assert (pair.bits, loaded.key_size) == (1024, 1024)


def test_default_sizes_are_packers():
    assert DEFAULT_BITS == {"rsa": 4096, "ecdsa": 521, "ed25519": 256}
    assert generate_key_pair("ecdsa").bits == 521


def test_ssh_keygen_reads_the_private_key_and_agrees_on_the_fingerprint(tmp_path):
    pair = generate_key_pair("ed25519")
    path = tmp_path / "key"
    path.write_text(pair.private_key)
    path.chmod(0o600)

    derived = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True, check=True)
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True, check=True)

    assert derived.stdout.split()[:2] == pair.public_key.split()[:2]
    assert listed.stdout.split()[1] == pair.fingerprint == fingerprint(pair.public_key)


def test_public_key_of_a_pem_private_key():
    pair = generate_key_pair("ecdsa", 256)
    private = serialization.load_ssh_private_key(pair.private_key.encode(), password=None)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())

    assert public_key_from_private(pem) == pair.public_key


@pytest.mark.parametrize(("key_type", "bits", "message"), [
    ("dsa", 0, "OpenSSH no longer accepts DSA keys"),
    ("foo", 0, "temporary_key_pair_type 'foo' is invalid"),
    ("rsa", 512, "too small for rsa"),
    ("ecdsa", 224, "must be one of 256, 384 or 521"),
])
def test_unusable_types_and_sizes_are_refused(key_type, bits, message):
    with pytest.raises(KeyPairError, match=message):
        generate_key_pair(key_type, bits)


def test_ed25519_ignores_bits():
    assert generate_key_pair("ed25519", 4096).bits == 256


def test_reading_garbage_says_it_is_not_a_key():
    with pytest.raises(KeyPairError, match="not a private key"):
        public_key_from_private("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")


def test_fingerprint_of_a_malformed_line_is_an_error():
    with pytest.raises(KeyPairError):
        fingerprint("ssh-ed25519")

"""Tests of the encryption at rest of sensitive values."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from builds import secrets


def test_values_come_back_and_are_not_readable_at_rest():
    token = secrets.encrypt({"password": "hunter2-long", "key": ["a", 1]})

    assert "hunter2-long" not in token
    assert secrets.decrypt(token) == {"password": "hunter2-long", "key": ["a", 1]}


def test_no_values_are_stored_as_nothing():
    assert secrets.encrypt({}) == ""
    assert secrets.decrypt("") == {}


def test_a_changed_key_is_reported_with_what_to_do(settings):
    token = secrets.encrypt({"password": "pw"})
    settings.SECRET_KEY = "another key entirely"

    with pytest.raises(secrets.SecretsUnreadable, match="IMAGEHUB_SECRETS_KEYS"):
        secrets.decrypt(token)


def test_configured_keys_rotate_the_newest_first_encrypts(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.IMAGEHUB = {**settings.IMAGEHUB, "SECRETS_KEYS": [old]}
    token = secrets.encrypt({"password": "pw"})
    settings.IMAGEHUB = {**settings.IMAGEHUB, "SECRETS_KEYS": [new, old]}

    assert secrets.decrypt(token) == {"password": "pw"}
    assert Fernet(new.encode()).decrypt(secrets.encrypt({"a": "b"}).encode()) == b'{"a": "b"}'


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "SECRETS_KEYS": ["not-a-key"]}

    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        secrets.encrypt({"a": "b"})

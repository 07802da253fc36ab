"""Fixtures shared by the whole test suite."""

import socket

import pytest

pytest_plugins = [
    "tests.fixtures.dockerd",
    "tests.fixtures.sshd",
    "tests.fixtures.moto",
    "tests.fixtures.browser",
]


def find_free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on `host` that nothing listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    return find_free_port()

"""The Docker client factory: where the daemon is looked for, and what is said when it is not there."""

import pytest

from builds.engine.docker_client import DEFAULT_HOST, DockerUnavailable, docker_client, docker_host


def test_an_explicit_address_wins_over_docker_host():
    assert docker_host("tcp://10.0.0.5:2375", {"DOCKER_HOST": "unix:///other.sock"}) == "tcp://10.0.0.5:2375"


def test_docker_host_comes_next_and_then_the_default_socket():
    assert docker_host(None, {"DOCKER_HOST": "unix:///run/x.sock"}) == "unix:///run/x.sock"
    assert docker_host(None, {}) == DEFAULT_HOST


def test_a_bare_path_is_a_unix_socket():
    assert docker_host("/run/user/1000/docker.sock", {}) == "unix:///run/user/1000/docker.sock"


def test_an_absent_daemon_is_reported_with_its_address_and_what_to_do(tmp_path):
    address = f"unix://{tmp_path}/nothing.sock"
    with pytest.raises(DockerUnavailable) as caught:
        docker_client(address, env={})
    message = str(caught.value)
    assert message.startswith(f"Cannot connect to the Docker daemon at {address}: ")
    assert "Is dockerd running? Set DOCKER_HOST" in message


def test_a_client_of_the_test_daemon_negotiates_its_api_version(dockerd):
    client = docker_client(dockerd.host, env={})
    try:
        assert client.api.api_version == client.version()["ApiVersion"]
        assert client.ping() is True
    finally:
        client.close()


def test_calls_after_connecting_get_the_long_timeout(dockerd):
    client = docker_client(dockerd.host, env={}, timeout=600, connect_timeout=3)
    try:
        assert client.api.timeout == 600
    finally:
        client.close()

"""Tests for connecting over SSH against a real sshd: credentials, clear errors, retries and timeouts, bastions."""

import os
import socket
import subprocess
import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.base import CommunicatorError, RemoteCommand
from builds.engine.communicators.ssh.client import AuthenticationFailed
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.communicators.ssh.keys import generate_key_pair


def _communicator(args: dict, say=None) -> SSHCommunicator:
    return SSHCommunicator(SSHConfig.from_arguments(args), say=say)


def _whoami(communicator: SSHCommunicator) -> list[str]:
    lines: list[str] = []
    status = communicator.run(RemoteCommand("id -un", stdout=lines.append), CancelToken())
    assert status == 0
    return lines


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_private_key_file_logs_in(sshd, make_communicator):
    assert _whoami(make_communicator()) == ["imagehub-test"]


def test_password_logs_in(sshd, make_communicator):
    communicator = make_communicator(ssh_private_key_file=None, ssh_password=sshd.password)

    assert _whoami(communicator) == ["imagehub-test"]


def test_wrong_password_fails_clearly_without_revealing_it(sshd):
    args = sshd.arguments(ssh_private_key_file=None, ssh_password="not-the-Pa55word",
                          ssh_handshake_attempts=1)

    with pytest.raises(AuthenticationFailed) as raised:
        _communicator(args).connect(CancelToken())

    message = str(raised.value)
    assert message == (f"ssh: authentication failed for user imagehub-test on 127.0.0.1:{sshd.port} "
                       "(tried: password)")
    assert "not-the-Pa55word" not in message


def test_authentication_failures_are_retried_up_to_the_handshake_attempts(sshd):
    args = sshd.arguments(ssh_private_key_file=None, ssh_password="wrong", ssh_handshake_attempts=2)
    accepted = sshd.connections_accepted()

    with pytest.raises(AuthenticationFailed):
        _communicator(args).connect(CancelToken())

    assert sshd.connections_accepted() == accepted + 2


def test_unknown_key_fails_naming_the_method_tried(sshd, tmp_path):
    key = tmp_path / "other"
    key.write_text(generate_key_pair("ed25519").private_key)
    args = sshd.arguments(ssh_private_key_file=str(key), ssh_handshake_attempts=1)

    with pytest.raises(AuthenticationFailed, match=r"for user imagehub-test on 127\.0\.0\.1:\d+ "
                                                   r"\(tried: publickey\)"):
        _communicator(args).connect(CancelToken())


def test_key_then_password_are_both_tried(sshd, tmp_path):
    key = tmp_path / "other"
    key.write_text(generate_key_pair("ed25519").private_key)
    args = sshd.arguments(ssh_private_key_file=str(key), ssh_password="wrong", ssh_handshake_attempts=1)

    with pytest.raises(AuthenticationFailed, match=r"\(tried: publickey, password\)"):
        _communicator(args).connect(CancelToken())


def test_closed_port_times_out_with_the_last_error(closed_port):
    args = {"ssh_host": "127.0.0.1", "ssh_port": closed_port, "ssh_username": "nobody",
            "ssh_password": "x", "ssh_timeout": "2s"}
    started = time.monotonic()

    with pytest.raises(CommunicatorError) as raised:
        _communicator(args).connect(CancelToken())

    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 15  # it gives up once ssh_timeout is spent, not later (a busy machine adds a little)
    assert str(raised.value) == (f"Timeout waiting for SSH: last error: dial tcp 127.0.0.1:{closed_port}: "
                                 "connect: connection refused")


def test_waiting_for_ssh_succeeds_once_the_server_comes_up(sshd_factory, closed_port):
    args = {"ssh_host": "127.0.0.1", "ssh_port": closed_port, "ssh_username": "imagehub-test",
            "ssh_password": "imagehub-test-Pa55word", "ssh_timeout": "10s"}
    threading.Timer(0.5, sshd_factory, kwargs={"port": closed_port}).start()
    communicator = _communicator(args)
    started = time.monotonic()
    try:
        communicator.connect(CancelToken())

        assert time.monotonic() - started >= 0.5
        assert _whoami(communicator) == ["imagehub-test"]
    finally:
        communicator.disconnect()


def test_unknown_host_is_reported_by_name():
    args = {"ssh_host": "no-such-host.invalid", "ssh_username": "u", "ssh_password": "x",
            "ssh_timeout": "500ms"}

    with pytest.raises(CommunicatorError, match=r"last error: dial tcp no-such-host\.invalid:22: lookup"):
        _communicator(args).connect(CancelToken())


def test_cancel_stops_waiting_for_ssh(closed_port):
    args = {"ssh_host": "127.0.0.1", "ssh_port": closed_port, "ssh_username": "u", "ssh_password": "x",
            "ssh_timeout": "30s"}
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        _communicator(args).connect(cancel)

    assert time.monotonic() - started < 1.5


def test_a_host_is_needed(sshd):
    with pytest.raises(CommunicatorError, match="ssh_host is empty"):
        _communicator(sshd.arguments(ssh_host="")).connect(CancelToken())


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa", "rsa"])
def test_temporary_key_pair_logs_in(sshd, make_communicator, key_type):
    pair = generate_key_pair(key_type, 2048 if key_type == "rsa" else 0, comment="imagehub-temporary")
    sshd.authorize_key(pair.public_key)

    communicator = make_communicator(ssh_private_key_file=None,
                                     ssh_private_key=list(pair.private_key.encode()))

    assert _whoami(communicator) == ["imagehub-test"]


def test_bastion_relays_the_connection(sshd, make_communicator):
    accepted = sshd.connections_accepted()
    communicator = make_communicator(ssh_bastion_host=sshd.host, ssh_bastion_port=sshd.port,
                                     ssh_bastion_username=sshd.username,
                                     ssh_bastion_password=sshd.password)

    assert _whoami(communicator) == ["imagehub-test"]
    assert sshd.connections_accepted() == accepted + 2


def test_bastion_borrows_the_private_key_file(sshd, make_communicator):
    communicator = make_communicator(ssh_bastion_host=sshd.host, ssh_bastion_port=sshd.port,
                                     ssh_bastion_username=sshd.username)

    assert _whoami(communicator) == ["imagehub-test"]


def test_bastion_that_cannot_reach_the_host_says_so(sshd, closed_port):
    args = sshd.arguments(ssh_port=closed_port, ssh_timeout="500ms", ssh_bastion_host=sshd.host,
                          ssh_bastion_port=sshd.port, ssh_bastion_username=sshd.username)

    with pytest.raises(CommunicatorError) as raised:
        _communicator(args).connect(CancelToken())

    assert (f"the bastion 127.0.0.1:{sshd.port} could not reach 127.0.0.1:{closed_port}"
            in str(raised.value))


def test_bastion_with_a_wrong_password_fails_clearly(sshd):
    args = sshd.arguments(ssh_bastion_host=sshd.host, ssh_bastion_port=sshd.port,
                          ssh_bastion_username=sshd.username, ssh_bastion_password="wrong",
                          ssh_bastion_private_key_file=None, ssh_handshake_attempts=1)
    args.pop("ssh_private_key_file")
    args["ssh_password"] = sshd.password

    with pytest.raises(AuthenticationFailed, match=rf"on 127\.0\.0\.1:{sshd.port} \(tried: password\)"):
        _communicator(args).connect(CancelToken())


def test_pause_before_connecting_connects_twice_with_a_pause(sshd):
    said: list[str] = []
    communicator = _communicator(sshd.arguments(pause_before_connecting="300ms"), say=said.append)
    accepted = sshd.connections_accepted()
    started = time.monotonic()
    try:
        communicator.connect(CancelToken())

        assert time.monotonic() - started >= 0.3
        assert said == ["Pausing 300ms before connecting..."]
        assert sshd.connections_accepted() == accepted + 2
        assert _whoami(communicator) == ["imagehub-test"]
    finally:
        communicator.disconnect()


def test_unsupported_cipher_choice_is_reported_by_prepare():
    config = SSHConfig.from_arguments({"ssh_username": "u", "ssh_ciphers": ["rot13"]})

    assert any(problem.startswith("ssh_ciphers: none of rot13 is supported") for problem in config.prepare())


def test_chosen_ciphers_are_used(sshd, make_communicator):
    communicator = make_communicator(ssh_ciphers=["aes256-ctr"], ssh_key_exchange_algorithms=[
        "curve25519-sha256@libssh.org"])

    assert _whoami(communicator) == ["imagehub-test"]
    transport = communicator._connection.transport
    assert (transport.local_cipher, transport.remote_cipher) == ("aes256-ctr", "aes256-ctr")


def test_keys_from_an_authorized_keys_command_log_in(sshd_factory, tmp_path):
    pair = generate_key_pair("ed25519", comment="from-the-cloud")
    keys = tmp_path / "cloud-keys"
    keys.write_text(pair.public_key + "\n")
    server = sshd_factory(authorized_keys_command=["/bin/sh", "-c", 'cat "$CLOUD_KEYS"', "keys"],
                          authorized_keys_command_env={"CLOUD_KEYS": str(keys)})
    communicator = _communicator(server.arguments(ssh_private_key_file=None,
                                                  ssh_private_key=list(pair.private_key.encode())))
    try:
        communicator.connect(CancelToken())

        assert _whoami(communicator) == ["imagehub-test"]
    finally:
        communicator.disconnect()


def test_ssh_agent_auth_uses_the_agents_keys(sshd, make_communicator, tmp_path, monkeypatch):
    socket_path = str(tmp_path / "agent.sock")
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", socket_path], stdout=subprocess.DEVNULL)
    try:
        _wait_for_path(socket_path)
        monkeypatch.setenv("SSH_AUTH_SOCK", socket_path)
        subprocess.run(["ssh-add", sshd.private_key_path], check=True, capture_output=True)

        communicator = make_communicator(ssh_private_key_file=None, ssh_agent_auth=True)

        assert _whoami(communicator) == ["imagehub-test"]
    finally:
        agent.terminate()
        agent.wait(5)


def test_ssh_agent_auth_without_an_agent_says_so(sshd, monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    args = sshd.arguments(ssh_private_key_file=None, ssh_agent_auth=True, ssh_handshake_attempts=1)

    with pytest.raises(AuthenticationFailed, match=r"the SSH agent offered no keys \(is SSH_AUTH_SOCK set\?\)"):
        _communicator(args).connect(CancelToken())


def _wait_for_path(path: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear")
        time.sleep(0.02)


@pytest.mark.parametrize("key_type", ["ed25519", "rsa"])
def test_certificate_signed_by_a_trusted_ca_logs_in(key_type, sshd_factory, tmp_path):
    def keygen(*args: str) -> None:
        subprocess.run(["ssh-keygen", "-q", *args], check=True, capture_output=True)

    keygen("-t", "ed25519", "-N", "", "-f", str(tmp_path / "ca"))
    keygen("-t", key_type, "-N", "", "-f", str(tmp_path / "user"))
    keygen("-s", str(tmp_path / "ca"), "-I", "imagehub", "-n", "imagehub-test", str(tmp_path / "user.pub"))
    server = sshd_factory(extra_config=[f"TrustedUserCAKeys {tmp_path / 'ca.pub'}"])
    args = server.arguments(ssh_private_key_file=str(tmp_path / "user"),
                            ssh_certificate_file=str(tmp_path / "user-cert.pub"))
    without_certificate = {**args, "ssh_handshake_attempts": 1}
    without_certificate.pop("ssh_certificate_file")
    communicator = _communicator(args)
    try:
        communicator.connect(CancelToken())

        assert _whoami(communicator) == ["imagehub-test"]
    finally:
        communicator.disconnect()
    with pytest.raises(AuthenticationFailed):
        _communicator(without_certificate).connect(CancelToken())

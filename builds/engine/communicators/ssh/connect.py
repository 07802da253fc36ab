"""Reaching a machine over SSH: one attempt (directly or through a bastion) and the wait that retries it.

:func:`wait_for_ssh` follows Packer's ``StepConnectSSH``: connection errors
are retried until ``ssh_timeout``, authentication failures count against
``ssh_handshake_attempts`` (2 seconds apart), and a timeout reports the last
error seen: ``Timeout waiting for SSH: last error: dial tcp ...: connection refused``.
Retries start quickly and back off to Packer's 5 seconds.
"""

from __future__ import annotations

import os
import time

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.base import CommunicatorError
from builds.engine.communicators.ssh import client
from builds.engine.communicators.ssh.client import (
    AuthenticationFailed,
    ConnectError,
    Connection,
    Credentials,
    Options,
)
from builds.engine.communicators.ssh.config import BastionConfig, SSHConfig

FIRST_RETRY_DELAY = 0.25
MAX_RETRY_DELAY = 5.0  # Packer's pause between connection attempts
AUTH_RETRY_DELAY = 2.0  # Packer's pause after an authentication failure
ATTEMPT_TIMEOUT = 60.0  # one attempt's budget when ssh_timeout does not limit it


def wait_for_ssh(config: SSHConfig, cancel: CancelToken) -> Connection:
    """Connect, retrying as ``ssh_timeout`` and ``ssh_handshake_attempts`` allow.

    Raises :class:`AuthenticationFailed` once the handshake attempts are
    used up, :class:`CommunicatorError` on a timeout or a configuration the
    retries cannot fix, and ``Cancelled`` when ``cancel`` is set.
    """
    if not config.host:
        raise CommunicatorError("ssh: no host to connect to: ssh_host is empty")
    deadline = time.monotonic() + config.timeout if config.timeout > 0 else None
    failed_logins = 0
    delay = FIRST_RETRY_DELAY
    while True:
        cancel.raise_if_cancelled()
        budget = ATTEMPT_TIMEOUT if deadline is None else max(deadline - time.monotonic(), 0.1)
        try:
            return connect_once(config, cancel, min(budget, ATTEMPT_TIMEOUT))
        except AuthenticationFailed as exc:
            failed_logins += 1
            last_error = str(exc)
            if config.handshake_attempts and failed_logins >= config.handshake_attempts:
                raise
            pause = AUTH_RETRY_DELAY
        except ConnectError as exc:
            last_error = str(exc)
            pause, delay = delay, min(delay * 2, MAX_RETRY_DELAY)
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CommunicatorError(f"Timeout waiting for SSH: last error: {last_error}")
            pause = min(pause, remaining)
        if cancel.wait(pause):
            raise Cancelled(cancel.reason or "Build cancelled")


def connect_once(config: SSHConfig, cancel: CancelToken, timeout: float) -> Connection:
    """Make one connection attempt within ``timeout`` seconds; raise :class:`ConnectError`,
    :class:`AuthenticationFailed`, or ``Cancelled``."""
    options = Options(ciphers=config.ciphers, key_exchange_algorithms=config.key_exchange_algorithms,
                      keep_alive_interval=config.keep_alive_interval,
                      read_write_timeout=config.read_write_timeout)
    bastion = None
    if config.bastion is not None:
        bastion = _login(config.bastion.host, config.bastion.port, _bastion_credentials(config.bastion),
                         options, cancel, timeout, via=None)
    try:
        connection = _login(config.host, config.port, _credentials(config), options, cancel, timeout,
                            via=bastion)
    except BaseException:
        if bastion is not None:
            bastion.close()
        raise
    connection.keep_alive(config.keep_alive_interval, config.read_write_timeout)
    return connection


def _login(host: str, port: int, credentials: Credentials, options: Options, cancel: CancelToken,
           timeout: float, via: Connection | None) -> Connection:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    opened: list = []

    def abort() -> None:
        for thing in opened:
            thing.close()

    with cancel.on_cancel(abort):
        try:
            if via is None:
                sock = client.open_socket(host, port, timeout)
            else:
                sock = client.open_tunnel(via, host, port, timeout)
            opened.append(sock)
            transport = client.handshake(sock, address, credentials, options, timeout,
                                         on_transport=opened.append)
        except (ConnectError, AuthenticationFailed):
            abort()
            if cancel.cancelled:
                raise Cancelled(cancel.reason or "Build cancelled") from None
            raise
    if cancel.cancelled:
        transport.close()
        raise Cancelled(cancel.reason or "Build cancelled")
    return Connection(transport, address, credentials.username, bastion=via)


def _credentials(config: SSHConfig) -> Credentials:
    keys = []
    if config.private_key_file:
        keys.append((config.private_key_file, _read_key_file("ssh_private_key_file", config.private_key_file)))
    if config.private_key:
        keys.append(("the build's temporary key pair", config.private_key))
    return Credentials(username=config.username, password=config.password, keys=keys,
                       certificate_file=config.certificate_file if config.private_key_file else "",
                       agent=config.agent_auth)


def _bastion_credentials(bastion: BastionConfig) -> Credentials:
    keys = []
    if bastion.private_key_file:
        keys.append((bastion.private_key_file,
                     _read_key_file("ssh_bastion_private_key_file", bastion.private_key_file)))
    return Credentials(username=bastion.username, password=bastion.password, keys=keys,
                       certificate_file=bastion.certificate_file, agent=bastion.agent_auth)


def _read_key_file(name: str, path: str) -> bytes:
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CommunicatorError(f"{name} cannot be read: {exc.strerror}: {path}") from None

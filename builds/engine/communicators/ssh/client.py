"""The one place paramiko objects are made: authenticated SSH connections, sessions, sftp clients and keys.

Everything else in the SSH communicator works with what this module hands
out (a :class:`Connection`, its channels and sftp client) and catches the
errors it raises: :class:`ConnectError` when a machine cannot be reached or
spoken to, :class:`AuthenticationFailed` when it refuses the credentials.
Messages name the user, the address and the methods tried, never a password
or key.

Host keys are not checked, as in Packer: the machine under build was created
moments ago and its key cannot be known in advance.
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

from builds.engine.communicators.base import CommunicatorError
from builds.engine.communicators.ssh.keys import KeyPairError
from builds.engine.paramiko_loader import load_paramiko

paramiko = load_paramiko()

# What a channel or sftp call raises when the connection under it fails; other modules
# catch these without importing paramiko.
TRANSPORT_ERRORS = (paramiko.SSHException, OSError, EOFError)

HANDSHAKE_TIMEOUT = 60.0  # Packer's default for one handshake
CHANNEL_TIMEOUT = 30.0


class ConnectError(CommunicatorError):
    """The machine could not be reached, or the SSH handshake with it failed; worth retrying."""


class AuthenticationFailed(CommunicatorError):
    """The server refused every credential offered; ``tried`` lists the methods in order."""

    def __init__(self, message: str, tried: list[str]):
        super().__init__(message)
        self.tried = tried


@dataclass
class Credentials:
    """Who to log in as and the ways to prove it, tried in this order: keys, agent, password."""

    username: str
    password: str = field(default="", repr=False)
    keys: list[tuple[str, bytes]] = field(default_factory=list, repr=False)  # (where from, key text)
    certificate_file: str = ""  # an OpenSSH certificate for the first key
    agent: bool = False


@dataclass
class Options:
    """Connection settings that do not depend on which machine is reached."""

    ciphers: tuple[str, ...] = ()
    key_exchange_algorithms: tuple[str, ...] = ()
    keep_alive_interval: float = 0.0  # <= 0: none
    read_write_timeout: float = 0.0  # 0: none


def supported_algorithms(kind: str) -> tuple[str, ...]:
    """The algorithm names paramiko offers for ``kind``: ``"ciphers"`` or ``"kex"``."""
    if kind == "ciphers":
        return tuple(paramiko.Transport._preferred_ciphers)
    if kind == "kex":
        return tuple(paramiko.Transport._preferred_kex)
    raise ValueError(f"unknown algorithm kind {kind!r}")


def load_private_key(key: bytes, source: str, certificate_file: str = "") -> paramiko.PKey:
    """Return a paramiko key from OpenSSH or PEM text; raise :class:`CommunicatorError` naming ``source``."""
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in key:
            parsed = serialization.load_ssh_private_key(key, password=None)
        else:
            parsed = serialization.load_pem_private_key(key, password=None)
    except TypeError:
        raise CommunicatorError(f"ssh: the private key from {source} is protected by a passphrase; "
                                "ImageHub needs an unencrypted key") from None
    except (ValueError, KeyPairError) as exc:
        raise CommunicatorError(f"ssh: cannot read the private key from {source}: "
                                f"{str(exc).splitlines()[0] if str(exc) else 'not a private key'}") from None
    key_class = _key_class(parsed)
    if key_class is None:
        raise CommunicatorError(f"ssh: the private key from {source} is of a type SSH logins "
                                "cannot use; use an rsa, ecdsa or ed25519 key")
    if key_class is paramiko.RSAKey:
        pkey = paramiko.RSAKey(key=parsed)  # checking an RSA key costs tens of milliseconds: do it once
    else:
        openssh = parsed.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()).decode("ascii")
        pkey = key_class.from_private_key(io.StringIO(openssh))
    if certificate_file:
        try:
            pkey.load_certificate(os.path.expanduser(certificate_file))
        except (OSError, ValueError) as exc:
            raise CommunicatorError(f"ssh: cannot use the certificate {certificate_file}: {exc}") from None
    return pkey


def _key_class(parsed) -> type[paramiko.PKey] | None:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(parsed, rsa.RSAPrivateKey):
        return paramiko.RSAKey
    if isinstance(parsed, ec.EllipticCurvePrivateKey):
        return paramiko.ECDSAKey
    if isinstance(parsed, ed25519.Ed25519PrivateKey):
        return paramiko.Ed25519Key
    return None


class Connection:
    """One authenticated SSH connection (through a bastion's, when one is used); channels share it."""

    def __init__(self, transport: paramiko.Transport, address: str, username: str,
                 bastion: Connection | None = None):
        self.transport = transport
        self.address = address
        self.username = username
        self.bastion = bastion
        self._sftp: paramiko.SFTPClient | None = None
        self._sftp_lock = threading.Lock()
        self._watchdog: _Watchdog | None = None

    def is_active(self) -> bool:
        """Whether the connection is still up (as far as paramiko has noticed)."""
        return self.transport.is_active() and not (self._watchdog and self._watchdog.timed_out)

    @property
    def stalled(self) -> str:
        """Why the read/write watchdog closed the connection, or ""."""
        return self._watchdog.reason if self._watchdog and self._watchdog.timed_out else ""

    def open_session(self) -> paramiko.Channel:
        """Open a session channel; raise :class:`ConnectError` if the connection is gone."""
        try:
            return self.transport.open_session(timeout=CHANNEL_TIMEOUT)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise ConnectError(f"ssh: cannot open a session on {self.address}: {_describe(exc)}") from None

    def sftp(self) -> paramiko.SFTPClient:
        """The connection's sftp client, started on first use and kept for later transfers."""
        with self._sftp_lock:
            if self._sftp is None or self._sftp.sock.closed:
                try:
                    self._sftp = paramiko.SFTPClient.from_transport(self.transport)
                except (paramiko.SSHException, OSError, EOFError) as exc:
                    raise CommunicatorError(
                        f"ssh: cannot start sftp on {self.address}: {_describe(exc)} "
                        "(is the sftp subsystem enabled? ssh_file_transfer_method = \"scp\" avoids it)"
                    ) from None
                if self._watchdog and self._watchdog.deadline:
                    self._sftp.sock.settimeout(self._watchdog.deadline)
            return self._sftp

    def keep_alive(self, interval: float, read_write_timeout: float) -> None:
        """Send keep-alives every ``interval`` seconds; close the connection if the server stays silent
        for ``read_write_timeout`` seconds (0: never)."""
        if read_write_timeout > 0:
            probe_every = interval if interval > 0 else read_write_timeout / 2
            self._watchdog = _Watchdog(self.transport, self.address, probe_every, read_write_timeout)
            self._watchdog.start()
        elif interval > 0:
            self.transport.set_keepalive(max(1, round(interval)))

    def close(self) -> None:
        """Close the connection and its bastion; safe to call more than once."""
        if self._watchdog:
            self._watchdog.stop()
        with self._sftp_lock:
            if self._sftp is not None:
                _quietly(self._sftp.close)
                self._sftp = None
        _quietly(self.transport.close)
        if self.bastion is not None:
            self.bastion.close()


def send_signal(channel: paramiko.Channel, name: str) -> None:
    """Ask the server to send signal ``name`` ("TERM", "KILL", "INT") to the channel's command (RFC 4254 6.9).

    OpenSSH delivers it to the command's whole process group. paramiko has no
    call for this request, so the message is built here.
    """
    if channel.closed:
        return
    message = paramiko.message.Message()
    message.add_byte(paramiko.common.cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string("signal")
    message.add_boolean(False)
    message.add_string(name)
    channel.transport._send_user_message(message)


def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """Open a TCP connection; raise :class:`ConnectError` saying why it failed."""
    address = _join(host, port)
    try:
        sock = socket.create_connection((host, port), timeout=max(timeout, 0.1))
    except socket.gaierror as exc:
        raise ConnectError(f"dial tcp {address}: lookup {host}: {exc.strerror or exc}") from None
    except TimeoutError:
        raise ConnectError(f"dial tcp {address}: i/o timeout") from None
    except OSError as exc:
        raise ConnectError(f"dial tcp {address}: connect: {(exc.strerror or str(exc)).lower()}") from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def open_tunnel(bastion: Connection, host: str, port: int, timeout: float) -> paramiko.Channel:
    """Open a TCP channel from the bastion to ``host:port``; raise :class:`ConnectError` if it refuses."""
    try:
        return bastion.transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0),
                                              timeout=max(timeout, 0.1))
    except paramiko.ChannelException as exc:
        raise ConnectError(f"the bastion {bastion.address} could not reach {_join(host, port)}: "
                           f"{exc.text}") from None
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise ConnectError(f"the bastion {bastion.address} could not reach {_join(host, port)}: "
                           f"{_describe(exc)}") from None


def handshake(sock, address: str, credentials: Credentials, options: Options, timeout: float,
              on_transport: Callable[[paramiko.Transport], None] | None = None) -> paramiko.Transport:
    """Run the SSH handshake and log in over ``sock``; raise :class:`ConnectError` or :class:`AuthenticationFailed`.

    ``on_transport`` receives the transport as soon as it exists, so a
    canceller can close it while the handshake blocks.
    """
    transport = paramiko.Transport(sock)
    if on_transport is not None:
        on_transport(transport)
    limit = max(min(timeout, HANDSHAKE_TIMEOUT), 0.1)
    transport.banner_timeout = limit
    transport.handshake_timeout = limit
    transport.auth_timeout = limit
    security = transport.get_security_options()
    if options.ciphers:
        security.ciphers = tuple(c for c in options.ciphers if c in security.ciphers)
    if options.key_exchange_algorithms:
        security.kex = tuple(k for k in options.key_exchange_algorithms if k in security.kex)
    try:
        transport.start_client(timeout=limit)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        transport.close()
        raise ConnectError(f"ssh: handshake with {address} failed: {_describe(exc)}") from None
    try:
        _authenticate(transport, address, credentials)
    except BaseException:
        transport.close()
        raise
    return transport


def _authenticate(transport: paramiko.Transport, address: str, credentials: Credentials) -> None:
    user = credentials.username
    tried: list[str] = []
    allowed: list[str] | None = None
    refused: list[str] = []
    problems: list[str] = []

    def attempt(method: str, login: Callable[[], object]) -> bool:
        nonlocal allowed
        if allowed is not None and method not in allowed:
            return False
        if method not in tried:
            tried.append(method)
        try:
            login()
        except paramiko.BadAuthenticationType as exc:
            allowed = list(exc.allowed_types)
            tried.remove(method)
            if method != "keyboard-interactive":  # only ever a fallback for the password
                refused.append(method)
            return False
        except paramiko.AuthenticationException:
            return False
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise ConnectError(f"ssh: connection to {address} lost while logging in: {_describe(exc)}") from None
        return transport.is_authenticated()

    keys = []
    for index, (source, text) in enumerate(credentials.keys):
        certificate = credentials.certificate_file if index == 0 else ""
        keys.append(load_private_key(text, source, certificate))
    for key in keys:
        if attempt("publickey", lambda key=key: transport.auth_publickey(user, key)):
            return
    if credentials.agent:
        try:
            agent_keys = paramiko.Agent().get_keys()
        except TRANSPORT_ERRORS as exc:
            agent_keys = ()
            problems.append(f"cannot use the SSH agent: {_describe(exc)}")
        else:
            if not agent_keys:
                problems.append("the SSH agent offered no keys (is SSH_AUTH_SOCK set?)")
        for key in agent_keys:
            if attempt("publickey", lambda key=key: transport.auth_publickey(user, key)):
                return
    if credentials.password:
        password = credentials.password
        if attempt("password", lambda: transport.auth_password(user, password, fallback=False)):
            return
        if attempt("keyboard-interactive",
                   lambda: transport.auth_interactive(user, _password_answers(password))):
            return
    if not tried and not credentials.keys and not credentials.agent and not credentials.password:
        problems.append("no password, private key or agent was configured")
    detail = f"tried: {', '.join(tried) or 'nothing'}"
    if refused and allowed is not None:
        detail += f"; the server accepts only: {', '.join(allowed) or 'nothing'}"
    message = f"ssh: authentication failed for user {user} on {address} ({detail})"
    if problems:
        message += ": " + "; ".join(problems)
    raise AuthenticationFailed(message, tried)


def _password_answers(password: str) -> Callable[[str, str, list], list[str]]:
    def answer(title: str, instructions: str, prompts: list) -> list[str]:
        return [password if not echo else "" for _prompt, echo in prompts]

    return answer


class _Watchdog(threading.Thread):
    """Probes the server with keep-alives that need an answer; closes the connection when none comes."""

    def __init__(self, transport: paramiko.Transport, address: str, every: float, deadline: float):
        super().__init__(name=f"ssh-watchdog-{address}", daemon=True)
        self.transport = transport
        self.address = address
        self.every = every
        self.deadline = deadline
        self.timed_out = False
        self.reason = ""
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            if not self.transport.is_active():
                return
            answered = threading.Event()
            started = time.monotonic()
            threading.Thread(target=self._probe, args=(answered,), daemon=True).start()
            if not answered.wait(self.deadline) and not self._stop_event.is_set():
                waited = time.monotonic() - started
                self.reason = (f"no answer from {self.address} for {waited:.0f}s "
                               "(ssh_read_write_timeout); the connection was closed")
                self.timed_out = True
                _quietly(self.transport.close)
                return

    def _probe(self, answered: threading.Event) -> None:
        try:
            self.transport.global_request("keepalive@openssh.com", wait=True)
        except (paramiko.SSHException, OSError, EOFError):
            return
        if self.transport.is_active():
            answered.set()

    def stop(self) -> None:
        self._stop_event.set()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, EOFError) or not text:
        return "the server closed the connection"
    return text.splitlines()[0]


def _join(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _quietly(close: Callable[[], object]) -> None:
    try:
        close()
    except (OSError, EOFError, paramiko.SSHException):
        return

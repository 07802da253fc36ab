"""The SSH communicator's typed configuration: Packer's ``ssh_*`` arguments with its defaults and checks.

:meth:`SSHConfig.from_arguments` reads the decoded arguments of a source
block (the names of :data:`builds.engine.communicators.config.SSH_SCHEMA`)
and applies the defaults of packer-plugin-sdk's ``communicator.Config``:
port 22, ``ssh_timeout`` 5m and 10 handshake attempts when neither is set,
keep-alives every 5s, ``scp`` transfers, a bastion on port 22 that borrows
``ssh_private_key_file`` when it has no key of its own, and
``ssh_wait_timeout`` overriding ``ssh_timeout``. :meth:`SSHConfig.prepare`
returns every problem at once and changes nothing.

Arguments ImageHub reads but that belong to a builder rather than to the
connection (``ssh_keypair_name``, ``temporary_key_pair_*``,
``ssh_clear_authorized_keys``) are carried here so builders find them typed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builds.engine.communicators.ssh.keys import (
    KeyPairError,
    check_key_pair_type,
    public_key_from_private,
)
from builds.engine.durations import format_duration, parse_duration

DEFAULT_PORT = 22
DEFAULT_TIMEOUT = 300.0
DEFAULT_HANDSHAKE_ATTEMPTS = 10
DEFAULT_KEEP_ALIVE_INTERVAL = 5.0
DEFAULT_PROXY_PORT = 1080
TRANSFER_METHODS = ("scp", "sftp")

USERNAME_REQUIRED = ('An ssh_username must be specified\n'
                     '  Note: some builders used to default ssh_username to "root".')


@dataclass(frozen=True)
class BastionConfig:
    """The jump host every connection goes through when ``ssh_bastion_host`` is set."""

    host: str
    port: int = DEFAULT_PORT
    username: str = ""
    password: str = field(default="", repr=False)
    private_key_file: str = ""
    certificate_file: str = ""
    agent_auth: bool = False
    interactive: bool = False


@dataclass(frozen=True)
class SSHConfig:
    """Everything the SSH communicator needs to reach a machine; durations are in seconds."""

    host: str = ""
    port: int = DEFAULT_PORT
    username: str = ""
    password: str = field(default="", repr=False)
    private_key_file: str = ""
    private_key: bytes = field(default=b"", repr=False)  # key text set by a builder (temporary key pair)
    public_key: bytes = b""
    certificate_file: str = ""
    agent_auth: bool = False
    disable_agent_forwarding: bool = False
    pty: bool = False
    timeout: float = DEFAULT_TIMEOUT  # 0: wait for ever
    handshake_attempts: int = DEFAULT_HANDSHAKE_ATTEMPTS  # 0: no limit
    keep_alive_interval: float = DEFAULT_KEEP_ALIVE_INTERVAL  # <= 0: no keep-alives
    read_write_timeout: float = 0.0  # 0: none
    pause_before_connecting: float = 0.0
    file_transfer_method: str = "scp"
    ciphers: tuple[str, ...] = ()
    key_exchange_algorithms: tuple[str, ...] = ()
    bastion: BastionConfig | None = None
    proxy_host: str = ""
    proxy_port: int = 0
    proxy_username: str = ""
    proxy_password: str = field(default="", repr=False)
    local_tunnels: tuple[str, ...] = ()
    remote_tunnels: tuple[str, ...] = ()
    # Read by builders, not by the connection.
    keypair_name: str = ""
    temporary_key_pair_name: str = ""
    temporary_key_pair_type: str = "rsa"
    temporary_key_pair_bits: int = 0
    clear_authorized_keys: bool = False
    # Values that could not be read (a malformed duration, say), reported by prepare.
    decode_problems: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_arguments(cls, args: Mapping[str, Any]) -> SSHConfig:
        """Build the configuration from decoded arguments, applying Packer's defaults; never raises for bad values."""
        reader = _Reader(args)
        timeout = reader.duration("ssh_timeout")
        attempts = reader.integer("ssh_handshake_attempts")
        if timeout == 0 and attempts == 0:
            timeout, attempts = DEFAULT_TIMEOUT, DEFAULT_HANDSHAKE_ATTEMPTS
        wait_timeout = reader.duration("ssh_wait_timeout")
        if wait_timeout:
            timeout = wait_timeout
        keep_alive = reader.duration("ssh_keep_alive_interval") or DEFAULT_KEEP_ALIVE_INTERVAL
        private_key_file = reader.string("ssh_private_key_file")
        certificate_file = reader.string("ssh_certificate_file")

        bastion = None
        bastion_host = reader.string("ssh_bastion_host")
        if bastion_host:
            bastion_key = reader.string("ssh_bastion_private_key_file")
            bastion_certificate = reader.string("ssh_bastion_certificate_file")
            if not bastion_key and private_key_file:
                bastion_key, bastion_certificate = private_key_file, certificate_file
            bastion = BastionConfig(
                host=bastion_host,
                port=reader.integer("ssh_bastion_port") or DEFAULT_PORT,
                username=reader.string("ssh_bastion_username"),
                password=reader.string("ssh_bastion_password"),
                private_key_file=bastion_key,
                certificate_file=bastion_certificate,
                agent_auth=reader.boolean("ssh_bastion_agent_auth"),
                interactive=reader.boolean("ssh_bastion_interactive"),
            )
        proxy_host = reader.string("ssh_proxy_host")

        return cls(
            host=reader.string("ssh_host"),
            port=reader.integer("ssh_port") or DEFAULT_PORT,
            username=reader.string("ssh_username"),
            password=reader.string("ssh_password"),
            private_key_file=private_key_file,
            private_key=reader.key_bytes("ssh_private_key"),
            public_key=reader.key_bytes("ssh_public_key"),
            certificate_file=certificate_file,
            agent_auth=reader.boolean("ssh_agent_auth"),
            disable_agent_forwarding=reader.boolean("ssh_disable_agent_forwarding"),
            pty=reader.boolean("ssh_pty"),
            timeout=timeout,
            handshake_attempts=attempts,
            keep_alive_interval=keep_alive,
            read_write_timeout=reader.duration("ssh_read_write_timeout"),
            pause_before_connecting=reader.duration("pause_before_connecting"),
            file_transfer_method=reader.string("ssh_file_transfer_method") or "scp",
            ciphers=reader.strings("ssh_ciphers"),
            key_exchange_algorithms=reader.strings("ssh_key_exchange_algorithms"),
            bastion=bastion,
            proxy_host=proxy_host,
            proxy_port=(reader.integer("ssh_proxy_port") or DEFAULT_PROXY_PORT) if proxy_host else 0,
            proxy_username=reader.string("ssh_proxy_username"),
            proxy_password=reader.string("ssh_proxy_password"),
            local_tunnels=reader.strings("ssh_local_tunnels"),
            remote_tunnels=reader.strings("ssh_remote_tunnels"),
            keypair_name=reader.string("ssh_keypair_name"),
            temporary_key_pair_name=reader.string("temporary_key_pair_name"),
            temporary_key_pair_type=reader.string("temporary_key_pair_type") or "rsa",
            temporary_key_pair_bits=reader.integer("temporary_key_pair_bits"),
            clear_authorized_keys=reader.boolean("ssh_clear_authorized_keys"),
            decode_problems=tuple(reader.problems),
        )

    @property
    def address(self) -> str:
        """``host:port`` of the machine (``[v6]:port`` for IPv6 literals)."""
        return _join_host_port(self.host, self.port)

    def secrets(self) -> list[str]:
        """The values to mask in build output: passwords and private key text."""
        values = [self.password, self.proxy_password]
        if self.bastion:
            values.append(self.bastion.password)
        if self.private_key:
            values.extend(_key_body_lines(self.private_key))
        return [value for value in values if value]

    def prepare(self) -> list[str]:
        """Return every problem with this configuration (empty when it is usable); reads key files, writes nothing."""
        problems = list(self.decode_problems)
        if not self.username:
            problems.append(USERNAME_REQUIRED)
        if not 0 < self.port < 65536:
            problems.append(f"ssh_port {self.port} is invalid: it must be between 1 and 65535")
        if self.certificate_file and not self.private_key_file:
            problems.append("ssh_private_key_file must be specified if ssh_certificate_file is specified")
        if self.private_key_file:
            problems.extend(_key_file_problems("ssh_private_key_file", self.private_key_file,
                                               "ssh_certificate_file", self.certificate_file))
        if self.bastion:
            problems.extend(self._bastion_problems())
        if self.file_transfer_method not in TRANSFER_METHODS:
            problems.append(f"ssh_file_transfer_method ('{self.file_transfer_method}') is invalid, "
                            "valid methods: sftp, scp")
        if self.bastion and self.proxy_host:
            problems.append("please specify either ssh_bastion_host or ssh_proxy_host, not both")
        elif self.proxy_host:
            problems.append("ssh_proxy_host: connecting through a SOCKS proxy is not supported by "
                            "ImageHub; use ssh_bastion_host to reach the machine through a jump host")
        for name, tunnels in (("ssh_local_tunnels", self.local_tunnels),
                              ("ssh_remote_tunnels", self.remote_tunnels)):
            if tunnels:
                problems.append(f"{name}: port forwarding is not supported by ImageHub's SSH communicator")
        if self.handshake_attempts < 0:
            problems.append("ssh_handshake_attempts must not be negative")
        if self.timeout < 0:
            problems.append("ssh_timeout must not be negative")
        if self.read_write_timeout < 0:
            problems.append("ssh_read_write_timeout must not be negative")
        problem = check_key_pair_type(self.temporary_key_pair_type, self.temporary_key_pair_bits)
        if problem:
            problems.append(problem)
        problems.extend(self._algorithm_problems())
        return problems

    def _bastion_problems(self) -> list[str]:
        bastion = self.bastion
        problems = []
        if bastion.certificate_file and not bastion.private_key_file:
            problems.append("ssh_bastion_private_key_file must be specified if "
                            "ssh_bastion_certificate_file is specified")
        if not bastion.username:
            problems.append("ssh_bastion_username must be specified with ssh_bastion_host")
        if not 0 < bastion.port < 65536:
            problems.append(f"ssh_bastion_port {bastion.port} is invalid: it must be between 1 and 65535")
        if bastion.interactive:
            problems.append("ssh_bastion_interactive: keyboard-interactive logins to the bastion are not "
                            "supported, builds run without a terminal; use ssh_bastion_password or a key")
        if not (bastion.password or bastion.private_key_file or bastion.agent_auth):
            problems.append("ssh_bastion_password, ssh_bastion_private_key_file or "
                            "ssh_bastion_agent_auth must be specified")
        elif bastion.private_key_file:
            problems.extend(_key_file_problems("ssh_bastion_private_key_file", bastion.private_key_file,
                                               "ssh_bastion_certificate_file", bastion.certificate_file))
        return problems

    def _algorithm_problems(self) -> list[str]:
        if not (self.ciphers or self.key_exchange_algorithms):
            return []
        from builds.engine.communicators.ssh.client import supported_algorithms

        problems = []
        for name, wanted, kind in (("ssh_ciphers", self.ciphers, "ciphers"),
                                   ("ssh_key_exchange_algorithms", self.key_exchange_algorithms, "kex")):
            supported = supported_algorithms(kind)
            if wanted and not set(wanted) & set(supported):
                problems.append(f"{name}: none of {', '.join(wanted)} is supported; "
                                f"supported: {', '.join(supported)}")
        return problems

    def describe_timeout(self) -> str:
        """``ssh_timeout`` as Packer prints it (``5m0s``)."""
        return format_duration(self.timeout)


def _key_file_problems(name: str, path: str, certificate_name: str, certificate: str) -> list[str]:
    expanded = os.path.expanduser(path)
    try:
        with open(expanded, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return [f"{name} is invalid: {exc.strerror}: {path}"]
    problems = []
    try:
        public_key_from_private(data)
    except KeyPairError as exc:
        problems.append(f"{name} is invalid: {path}: {exc}")
    if certificate and not os.path.isfile(os.path.expanduser(certificate)):
        problems.append(f"{certificate_name} is invalid: no such file: {certificate}")
    return problems


def _key_body_lines(key: bytes) -> list[str]:
    text = key.decode("utf-8", "replace")
    return [line.strip() for line in text.splitlines() if line.strip() and "-----" not in line]


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Reader:
    """Reads typed values out of decoded arguments, noting malformed ones instead of raising."""

    def __init__(self, args: Mapping[str, Any]):
        self.args = args
        self.problems: list[str] = []

    def string(self, name: str) -> str:
        value = self.args.get(name)
        return "" if value is None else str(value)

    def boolean(self, name: str) -> bool:
        return bool(self.args.get(name) or False)

    def integer(self, name: str) -> int:
        value = self.args.get(name)
        if value is None:
            return 0
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.problems.append(f"{name}: expected a whole number, got {value!r}")
            return 0
        if not number.is_integer():
            self.problems.append(f"{name}: expected a whole number, got {value!r}")
            return 0
        return int(number)

    def duration(self, name: str) -> float:
        value = self.args.get(name)
        if value is None or value == "":
            return 0.0
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.problems.append(f"{name}: {exc}; write a duration such as \"30s\", \"5m\" or \"1h30m\"")
            return 0.0

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.args.get(name)
        return tuple(str(item) for item in value) if value else ()

    def key_bytes(self, name: str) -> bytes:
        value = self.args.get(name)
        if not value:
            return b""
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            return value.encode("utf-8")
        return bytes(int(item) for item in value)

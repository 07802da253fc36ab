"""The communicator settings Packer's SDK checks when a builder prepares (no connection is made here)."""

from __future__ import annotations

from typing import Any

COMMUNICATOR_TYPES = ("ssh", "winrm", "docker", "dockerWindowsContainer", "none")


def communicator_problems(settings: dict[str, Any], default: str) -> list[str]:
    """The communicator rules Packer's SDK checks in prepare, for the chosen communicator."""
    kind = settings.get("communicator") or default
    problems: list[str] = []
    if kind not in COMMUNICATOR_TYPES:
        problems.append(f"communicator must be one of {', '.join(COMMUNICATOR_TYPES)}; got {kind!r}")
    elif kind == "winrm":
        problems.append("the winrm communicator is not supported by ImageHub yet; use ssh")
    elif kind == "ssh":
        if not settings.get("ssh_username"):
            problems.append('An ssh_username must be specified\n  Note: some builders used to default ssh_username '
                            'to "root".')
        method = settings.get("ssh_file_transfer_method") or "scp"
        if method not in ("scp", "sftp"):
            problems.append(f'ssh_file_transfer_method ("{method}") is invalid, valid methods: sftp, scp')
        if settings.get("ssh_bastion_host") and settings.get("ssh_proxy_host"):
            problems.append("please specify either ssh_bastion_host or ssh_proxy_host, not both")
        key_type = settings.get("temporary_key_pair_type") or "rsa"
        if key_type not in ("rsa", "dsa", "ecdsa", "ed25519"):
            problems.append(f"invalid temporary_key_pair_type {key_type!r}: use rsa, dsa, ecdsa or ed25519")
    return problems

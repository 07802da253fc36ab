"""The files the ansible provisioner hands to ``ansible-playbook``: the inventory, the key and the secrets.

The inventory is Packer's: one host line rendered from
``inventory_file_template`` (default :data:`DEFAULT_INVENTORY_TEMPLATE`),
the same line again under each of ``groups``, and a bare header for each of
``empty_groups``. Key and password files are created readable by their
owner only and removed by the caller.
"""

from __future__ import annotations

import json
import os
import tempfile

DEFAULT_INVENTORY_TEMPLATE = ("{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} "
                              "ansible_port={{ .Port }}\n")


def inventory_text(host_line: str, groups: list[str], empty_groups: list[str]) -> str:
    """Return the inventory: ``host_line``, then each group with the host, then each empty group."""
    parts = [host_line]
    parts += [f"[{group}]\n{host_line}" for group in groups]
    parts += [f"[{group}]\n" for group in empty_groups]
    return "".join(parts)


def write_private_file(text: str, prefix: str, directory: str | None = None, suffix: str = "") -> str:
    """Write ``text`` to a new file only its owner can read (mode 0600); return its path.

    Raises ``OSError`` when the file cannot be created (``directory`` missing or read-only).
    """
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory or None)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        os.unlink(path)
        raise
    return path


def write_inventory(text: str, directory: str | None) -> str:
    """Write the inventory to a new ``packer-provisioner-ansible*`` file in ``directory`` (or the temporary
    directory); return its path. Raises ``OSError`` when it cannot be written."""
    return write_private_file(text, "packer-provisioner-ansible", directory)


def write_password_vars(password: str) -> str:
    """Write ``{"ansible_password": password}`` to a private JSON file for ``-e @file``; return its path."""
    return write_private_file(json.dumps({"ansible_password": password}), "ansible-password", suffix=".json")

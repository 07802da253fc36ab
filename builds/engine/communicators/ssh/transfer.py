"""What sftp and scp transfers share: Packer's layout and permission rules, remote quoting, local tree walks.

Both methods (:mod:`.sftp`, :mod:`.scp`) follow Packer's SSH communicator:

* ``upload`` writes one file; ``mode`` sets its permission bits (scp needs
  some and uses 0644 when none is given, as Packer does).
* ``upload_dir(remote_dir, local_dir)`` copies ``local_dir`` into
  ``remote_dir``: as ``remote_dir/<name of local_dir>``, or, when
  ``local_dir`` ends with ``/``, its contents straight into ``remote_dir``.
  ``remote_dir`` is created when missing; permission bits are kept.
* ``download_dir(remote_dir, local_dir)`` makes ``local_dir/<name of remote_dir>``,
  as ``scp -r`` does, keeping permission bits.

``exclude`` holds glob patterns matched against each entry's path relative
to the copied directory and against its name.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import shlex
from collections.abc import Iterator

from builds.engine.communicators.base import CommunicatorError

CHUNK = 256 * 1024
DEFAULT_MODE = 0o644


def remote_quote(path: str) -> str:
    """Quote a remote path for the remote shell, leaving a leading ``~/`` to expand."""
    if path == "~":
        return path
    if path.startswith("~/"):
        return "~/" + shlex.quote(path[2:])
    return shlex.quote(path)


def excluded(relative: str, patterns: list[str] | None) -> bool:
    if not patterns:
        return False
    name = posixpath.basename(relative)
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)


def local_tree(local_dir: str, exclude: list[str] | None,
                prefix: str = "") -> Iterator[tuple[str, str, bool]]:
    """Yield (relative posix path, local path, is_dir) below ``local_dir`` depth first, sorted by name,
    each directory just before its contents (the order the scp protocol needs)."""
    with os.scandir(os.path.join(local_dir, prefix) if prefix else local_dir) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        relative = prefix + entry.name
        if excluded(relative, exclude):
            continue
        if entry.is_dir():
            yield relative, entry.path, True
            yield from local_tree(local_dir, exclude, relative + "/")
        else:
            yield relative, entry.path, False


def check_local_dir(local_dir: str) -> None:
    if not os.path.isdir(local_dir):
        raise CommunicatorError(f"ssh: cannot upload {local_dir}: not a directory")


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the connection closed"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__

"""Filesystem functions: file, filebase64, fileexists, fileset, templatefile and path manipulation."""

from __future__ import annotations

import os
import posixpath

from ..types import STRING
from .base import FunctionError, Param, define


def go_clean(path: str) -> str:
    """Return the shortest equivalent path as Go's filepath.Clean gives it (``""`` → ``.``)."""
    cleaned = posixpath.normpath(path) if path else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def expand_home(path: str) -> str:
    """Return ``path`` with a leading ``~`` replaced by the home directory; raise FunctionError for ``~user``."""
    if not path.startswith("~"):
        return path
    if len(path) > 1 and path[1] not in "/\\":
        raise FunctionError("failed to expand ~: cannot expand user-specific home dir")
    home = os.environ.get("HOME") or os.path.expanduser("~")
    return home + path[1:]


def _resolve(ctx, path: str) -> str:
    path = expand_home(path)
    if not os.path.isabs(path):
        path = os.path.join(str(ctx.cwd), path)
    return go_clean(path)


def read_file(ctx, path: str) -> bytes:
    """Return the bytes of ``path`` (relative to the context's directory); raise FunctionError if unreadable."""
    resolved = _resolve(ctx, path)
    try:
        with open(resolved, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise FunctionError(f"no file exists at {resolved}") from None
    except (OSError, ValueError):  # ValueError: a NUL character or a lone surrogate in the path
        raise FunctionError(f"failed to read {resolved}") from None


def read_text(ctx, path: str) -> str:
    """Return the UTF-8 text of ``path``; raise FunctionError if it is unreadable or not UTF-8."""
    data = read_file(ctx, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FunctionError(
            f"contents of {path} are not valid UTF-8; use the filebase64 function to obtain the Base64 "
            "encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file "
            "hashing results instead"
        ) from None


@define("file", Param("path", STRING))
def file(ctx, path):
    """The contents of a UTF-8 text file."""
    return read_text(ctx, path)


@define("filebase64", Param("path", STRING))
def filebase64(ctx, path):
    """The contents of a file in base64."""
    import base64

    resolved = path if os.path.isabs(path) else os.path.join(str(ctx.cwd), path)
    try:
        with open(resolved, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise FunctionError(f'failed to read file "{path}": {exc.strerror.lower() if exc.strerror else exc}') from None
    except ValueError:  # a NUL character or a lone surrogate in the path, which no file name can hold
        raise FunctionError(f'failed to read file "{path}": invalid argument') from None
    return base64.b64encode(data).decode("ascii")


@define("fileexists", Param("path", STRING))
def fileexists(ctx, path):
    """Whether a regular file exists at the path."""
    import stat

    resolved = _resolve(ctx, path)
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        return False
    except (OSError, ValueError):  # ValueError: a NUL character or a lone surrogate in the path
        raise FunctionError(f"failed to stat {resolved}") from None
    if stat.S_ISREG(info.st_mode):
        return True
    raise FunctionError(f'{resolved} is not a regular file, but "{stat.filemode(info.st_mode)}"')


@define("fileset", Param("path", STRING), Param("pattern", STRING))
def fileset(ctx, path, pattern):
    """The set of regular files under ``path`` that match ``pattern``, relative to ``path``."""
    from .globbing import glob_files

    root = path if os.path.isabs(path) else os.path.join(str(ctx.cwd), path)
    try:
        return glob_files(go_clean(root), pattern)
    except ValueError as exc:
        raise FunctionError(f"failed to glob pattern ({posixpath.join(root, pattern)}): {exc}") from None


@define("templatefile", Param("path", STRING), Param("vars"))
def templatefile(ctx, path, variables):
    """The file rendered as a string template with the given variables."""
    if ctx.render_template is None:
        raise FunctionError("templatefile is not available here: there is no template renderer")
    text = read_text(ctx, path)
    if not isinstance(variables, dict):
        raise FunctionError("invalid vars value: must be a map", 1)
    for name in variables:
        if not _valid_identifier(name):
            raise FunctionError(
                f'invalid template variable name "{name}": must start with a letter, followed by zero or '
                "more letters, digits, and underscores",
                1,
            )
    return ctx.render_template(text, path, variables)


def _valid_identifier(name: str) -> bool:
    if not name or not name[0].isalpha():
        return False
    return all(c.isalnum() or c in "_-" for c in name)


@define("abspath", Param("path", STRING))
def abspath(ctx, path):
    """The absolute form of a path, with forward slashes."""
    if not os.path.isabs(path):
        path = os.path.join(str(ctx.cwd), path)
    return go_clean(path)


@define("basename", Param("path", STRING))
def basename(ctx, path):
    """The last element of a path."""
    if path == "":
        return "."
    stripped = path.rstrip("/")
    if stripped == "":
        return "/"
    return stripped.rsplit("/", 1)[-1]


@define("dirname", Param("path", STRING))
def dirname(ctx, path):
    """Everything but the last element of a path."""
    index = path.rfind("/")
    return go_clean(path[: index + 1])


@define("pathexpand", Param("path", STRING))
def pathexpand(ctx, path):
    """The path with a leading ``~`` replaced by the home directory."""
    return expand_home(path)

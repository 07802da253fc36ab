"""Reading a ``docker run`` argument list (the builder's ``run_command``) into Engine API container settings.

The builder states its container as the ``docker run`` arguments Packer
would pass — ``-v``, ``--privileged``, ``--platform`` ... followed by
``run_command`` — and this module turns them into the parameters of the
SDK's ``create_container`` and host configuration. Options with no
meaning without the ``docker`` command (``--attach``, ``--detach-keys``,
``--env-file``...) are refused with a message naming them. The container is
always started in the background: ``-d`` is accepted and implied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RUN_COMMAND = ["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]

# Options without a value: long name -> attribute of RunOptions.
_FLAGS = {
    "detach": "detach", "interactive": "interactive", "tty": "tty", "privileged": "privileged",
    "rm": "auto_remove", "init": "init", "read-only": "read_only",
}
# Options with a value: long name -> (attribute, repeatable).
_VALUES = {
    "entrypoint": ("entrypoint", False), "env": ("env", True), "user": ("user", False),
    "workdir": ("workdir", False), "volume": ("volumes", True), "platform": ("platform", False),
    "network": ("network", False), "net": ("network", False), "name": ("name", False),
    "hostname": ("hostname", False), "label": ("labels", True), "cap-add": ("cap_add", True),
    "cap-drop": ("cap_drop", True), "device": ("devices", True), "tmpfs": ("tmpfs", True),
    "runtime": ("runtime", False), "add-host": ("extra_hosts", True), "shm-size": ("shm_size", False),
    "security-opt": ("security_opt", True), "memory": ("memory", False), "dns": ("dns", True),
    "group-add": ("group_add", True), "ipc": ("ipc", False), "pid": ("pid", False),
}
_SHORT = {"d": "detach", "i": "interactive", "t": "tty", "e": "env", "u": "user", "w": "workdir",
          "v": "volume", "h": "hostname", "l": "label", "m": "memory"}
_TRUE = ("", "true", "1")
_FALSE = ("false", "0")


class RunCommandError(ValueError):
    """``run_command`` holds something that cannot be turned into a container; the message says what."""


@dataclass
class RunOptions:
    """The container a ``docker run`` argument list describes."""

    image: str = ""
    command: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    detach: bool = False
    interactive: bool = False
    tty: bool = False
    privileged: bool = False
    auto_remove: bool = False
    init: bool = False
    read_only: bool = False
    env: list[str] = field(default_factory=list)
    user: str = ""
    workdir: str = ""
    volumes: list[str] = field(default_factory=list)
    platform: str = ""
    network: str = ""
    name: str = ""
    hostname: str = ""
    labels: list[str] = field(default_factory=list)
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=list)
    runtime: str = ""
    extra_hosts: list[str] = field(default_factory=list)
    shm_size: str = ""
    security_opt: list[str] = field(default_factory=list)
    memory: str = ""
    dns: list[str] = field(default_factory=list)
    group_add: list[str] = field(default_factory=list)
    ipc: str = ""
    pid: str = ""

    def create_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``APIClient.create_container``, without ``host_config``."""
        kwargs: dict[str, Any] = {
            "image": self.image,
            "command": self.command or None,
            "stdin_open": self.interactive,
            "tty": self.tty,
            "detach": True,
        }
        if self.entrypoint is not None:
            kwargs["entrypoint"] = [self.entrypoint]
        optional = {"environment": self.env, "user": self.user, "working_dir": self.workdir,
                    "name": self.name, "hostname": self.hostname, "platform": self.platform,
                    "labels": _pairs(self.labels, "--label") if self.labels else None}
        kwargs.update({key: value for key, value in optional.items() if value})
        return kwargs

    def host_config_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``APIClient.create_host_config``."""
        kwargs: dict[str, Any] = {
            "binds": [expand_bind(bind) for bind in self.volumes] or None,
            "privileged": self.privileged,
            "auto_remove": self.auto_remove,
            "read_only": self.read_only or None,
            "init": self.init or None,
            "cap_add": self.cap_add or None,
            "cap_drop": self.cap_drop or None,
            "devices": self.devices or None,
            "tmpfs": dict(_split_tmpfs(entry) for entry in self.tmpfs) or None,
            "runtime": self.runtime or None,
            "network_mode": self.network or None,
            "extra_hosts": _pairs(self.extra_hosts, "--add-host", sep=":") if self.extra_hosts else None,
            "shm_size": self.shm_size or None,
            "security_opt": self.security_opt or None,
            "mem_limit": self.memory or None,
            "dns": self.dns or None,
            "group_add": self.group_add or None,
            "ipc_mode": self.ipc or None,
            "pid_mode": self.pid or None,
        }
        return {key: value for key, value in kwargs.items() if value is not None}


def parse_run_args(args: list[str]) -> RunOptions:
    """Read ``docker run`` arguments (options, the image, then the command); raise RunCommandError."""
    options = RunOptions()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            break
        if arg.startswith("--"):
            name, has_value, value = arg[2:].partition("=")
            if name in _FLAGS:
                _set_flag(options, name, value if has_value else "", arg)
                continue
            if name not in _VALUES:
                raise RunCommandError(_unsupported("--" + name))
            if not has_value:
                value, index = _next_value(args, index, arg)
            _set_value(options, name, value)
        elif arg.startswith("-") and len(arg) > 1:
            index = _short_options(options, arg, args, index)
        else:
            index -= 1
            break
    if index >= len(args):
        raise RunCommandError("run_command names no image: put the image (usually {{.Image}}) after the "
                              "options, e.g. [\"-d\", \"-i\", \"-t\", \"--\", \"{{.Image}}\"]")
    options.image = args[index]
    options.command = list(args[index + 1:])
    return options


def _short_options(options: RunOptions, arg: str, args: list[str], index: int) -> int:
    letters = arg[1:]
    for position, letter in enumerate(letters):
        name = _SHORT.get(letter)
        if name is None:
            raise RunCommandError(_unsupported(f"-{letter}"))
        if name in _FLAGS:
            _set_flag(options, name, "", arg)
            continue
        value = letters[position + 1:].removeprefix("=")
        if not value:
            value, index = _next_value(args, index, f"-{letter}")
        _set_value(options, name, value)
        break
    return index


def _set_flag(options: RunOptions, name: str, value: str, arg: str) -> None:
    if value.lower() not in _TRUE + _FALSE:
        raise RunCommandError(f"run_command: {arg} takes true or false, not {value!r}")
    setattr(options, _FLAGS[name], value.lower() in _TRUE)


def _set_value(options: RunOptions, name: str, value: str) -> None:
    attribute, repeatable = _VALUES[name]
    if repeatable:
        getattr(options, attribute).append(value)
    else:
        setattr(options, attribute, value)


def _next_value(args: list[str], index: int, option: str) -> tuple[str, int]:
    if index >= len(args):
        raise RunCommandError(f"run_command: {option} needs a value")
    return args[index], index + 1


def _unsupported(option: str) -> str:
    supported = sorted({f"--{name}" for name in (*_FLAGS, *_VALUES)} | {f"-{s}" for s in _SHORT})
    return (f"run_command: the docker run option {option} is not supported; "
            f"supported options: {', '.join(supported)}")


def _pairs(entries: list[str], option: str, sep: str = "=") -> dict[str, str]:
    result = {}
    for entry in entries:
        key, found, value = entry.partition(sep)
        if not key or (sep != "=" and not found):
            raise RunCommandError(f"run_command: {option} {entry!r} is not of the form KEY{sep}VALUE")
        result[key] = value
    return result


def _split_tmpfs(entry: str) -> tuple[str, str]:
    path, _, mount_options = entry.partition(":")
    return path, mount_options


def expand_bind(bind: str) -> str:
    """Expand a leading ``~/`` in the host side of a ``HOST:CONTAINER[:MODE]`` volume, as Packer does."""
    if bind.startswith("~/"):
        return os.path.join(os.path.expanduser("~"), bind[2:])
    return bind

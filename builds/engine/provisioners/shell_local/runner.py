"""Checking and running a ``shell-local`` configuration; the provisioner and the post-processor share it.

:func:`parse` turns the decoded arguments into a :class:`ShellLocalConfig`
with Packer's defaults and returns every problem at once; :func:`run` writes
inline commands to a temporary script, runs each script through
``execute_command`` on this machine with the build's environment variables,
streams its output, and checks its exit code.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from builds.engine.cancel import CancelToken
from builds.engine.localexec import LocalExecError, clean_output_line
from builds.engine.localexec import run as run_local
from builds.engine.plugins import PluginContext, ProvisionError
from builds.engine.provisioners.scripting import (
    Interpolator,
    check_exit_code,
    environment,
    environment_var_problems,
    exit_codes,
    flatten_environment,
)
from builds.engine.ui import BuildUI

# The operating systems ``only_on`` may name, as Go calls them.
SUPPORTED_OS = ("darwin", "freebsd", "linux", "openbsd", "solaris", "windows")

DEFAULT_EXECUTE_COMMAND = ("/bin/sh", "-c", "{{.Vars}} {{.Script}}")
DEFAULT_INLINE_SHEBANG = "/bin/sh -e"
DEFAULT_ENV_VAR_FORMAT = "%s='%s' "

_TOO_MANY = ("You may only specify one of the following options: Command, Inline, Script or Scripts. "
             "Please consolidate these options in your config.")


@dataclass
class ShellLocalConfig:
    """A checked ``shell-local`` configuration with Packer's defaults filled in."""

    inline: list[str] | None = None  # ``command`` ends up here too
    scripts: list[str] = field(default_factory=list)
    valid_exit_codes: list[int] = field(default_factory=lambda: [0])
    environment_vars: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    env_var_format: str = DEFAULT_ENV_VAR_FORMAT
    execute_command: list[str] = field(default_factory=lambda: list(DEFAULT_EXECUTE_COMMAND))
    inline_shebang: str = DEFAULT_INLINE_SHEBANG
    only_on: list[str] = field(default_factory=list)
    tempfile_extension: str = ""


def current_os() -> str:
    """This machine's operating system under its Go name (``linux``, ``darwin``...)."""
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform.startswith("freebsd"):
        return "freebsd"
    if sys.platform.startswith("openbsd"):
        return "openbsd"
    if sys.platform.startswith("sunos"):
        return "solaris"
    return {"darwin": "darwin", "win32": "windows", "cygwin": "windows"}.get(sys.platform, sys.platform)


def parse(raw: Mapping[str, Any]) -> tuple[ShellLocalConfig, list[str]]:
    """Return the configuration of ``raw`` (decoded arguments) and the problems found, in Packer's words.

    ``use_linux_pathing`` only matters to Packer on Windows; it is accepted and has no effect here.
    Scripts are checked for existence unless their path holds a template placeholder.
    """
    problems: list[str] = []
    command = raw.get("command") or ""
    inline = list(raw["inline"]) if raw.get("inline") is not None else None
    script = raw.get("script") or ""
    scripts = list(raw.get("scripts") or [])

    if not command and not inline and not scripts and not script:
        problems.append("Command, Inline, Script and Scripts options cannot all be empty.")
    if command:
        if inline or scripts or script:
            problems.append(_TOO_MANY)
        else:
            inline = [command]
    if script:
        if scripts or inline:
            problems.append(_TOO_MANY)
        else:
            scripts = [script]
    if scripts and inline is not None and _TOO_MANY not in problems:
        problems.append(_TOO_MANY)
    for path in scripts:
        if "{{" not in path and not os.path.exists(path):
            problems.append(f"Bad script '{path}': stat {path}: no such file or directory")

    only_on = list(raw.get("only_on") or [])
    for name in only_on:
        if name not in SUPPORTED_OS:
            problems.append(f"Invalid OS specified in only_on: '{name}'\n"
                            f"Supported OS names: {', '.join(SUPPORTED_OS)}")
            break
    environment_vars = list(raw.get("environment_vars") or [])
    problems.extend(environment_var_problems(environment_vars))

    config = ShellLocalConfig(
        inline=inline,
        scripts=scripts,
        valid_exit_codes=exit_codes(raw),
        environment_vars=environment_vars,
        env=dict(raw.get("env") or {}),
        env_var_format=raw.get("env_var_format") or DEFAULT_ENV_VAR_FORMAT,
        execute_command=list(raw.get("execute_command") or DEFAULT_EXECUTE_COMMAND),
        inline_shebang=raw.get("inline_shebang") or DEFAULT_INLINE_SHEBANG,
        only_on=only_on,
        tempfile_extension=(raw.get("tempfile_extension") or "").removeprefix("."),
    )
    return config, problems


def run(ui: BuildUI, config: ShellLocalConfig, context: PluginContext, generated: Mapping[str, Any],
        cancel: CancelToken) -> bool:
    """Run the configuration's scripts on this machine; return False when ``only_on`` skipped them.

    Raises :class:`ProvisionError` when a script cannot be run or exits with a code not in
    ``valid_exit_codes``, and ``Cancelled`` when the build is cancelled (the script's process
    group is killed).
    """
    if config.only_on and current_os() not in config.only_on:
        ui.say("Skipping shell-local due to runtime OS")
        return False
    interpolator = Interpolator(context, generated)
    variables = environment(context, generated, config.environment_vars, config.env, interpolator)
    flattened = flatten_environment(variables, config.env_var_format)

    scripts = list(config.scripts)
    inline_file = None
    if not scripts and config.inline is not None:
        inline_file = _write_inline_script(config, interpolator)
        scripts = [inline_file]
    try:
        for script in scripts:
            script = interpolator.render(script, "script")
            _run_script(ui, config, script, flattened, interpolator, cancel)
    finally:
        if inline_file is not None:
            os.unlink(inline_file)
    return True


def _write_inline_script(config: ShellLocalConfig, interpolator: Interpolator) -> str:
    lines = [f"#!{config.inline_shebang}\n"] if config.inline_shebang else []
    lines += [interpolator.render(command, "inline") + "\n" for command in config.inline or []]
    suffix = f".{config.tempfile_extension}" if config.tempfile_extension else ""
    fd, path = tempfile.mkstemp(prefix="packer-shell", suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.chmod(path, 0o700)
    return path


def _run_script(ui: BuildUI, config: ShellLocalConfig, script: str, flattened: str,
                interpolator: Interpolator, cancel: CancelToken) -> None:
    absolute = os.path.abspath(script)
    argv = [interpolator.render(part, "execute_command", Vars=flattened, Script=absolute, Command=absolute)
            for part in config.execute_command]
    ui.say(f"Running local shell script: {script}")
    try:
        status = run_local(argv, cancel=cancel, stdout=_lines_to(ui.stdout), stderr=_lines_to(ui.stderr))
    except LocalExecError as exc:
        raise ProvisionError(f"Error executing script: {absolute}\n\n{exc}\n"
                             "Please see output above for more information.") from None
    check_exit_code(status, config.valid_exit_codes)


def _lines_to(write):
    def deliver(line: str) -> None:
        line = clean_output_line(line)
        if line:
            write(line)
    return deliver

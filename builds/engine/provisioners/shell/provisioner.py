"""``ShellProvisioner``: uploads shell scripts to the machine under build and runs them there.

Inline commands become one temporary script; each script is uploaded to
``remote_path`` (``/tmp/script_<n>.sh`` by default), made executable and run
through ``execute_command`` with the environment as ``KEY='value'`` pairs
(or, with ``use_env_var_file``, a sourced file), as Packer's ``shell``
provisioner does. Uploading and starting are retried until
``start_retry_timeout`` while the machine is unreachable (a reboot), and
the script is removed afterwards unless ``skip_clean``.
"""

from __future__ import annotations

import io
import os
import random
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from builds.engine.cancel import Cancelled
from builds.engine.communicators.base import CommunicatorError, RemoteCommand
from builds.engine.durations import format_duration, parse_duration
from builds.engine.plugins import PluginContext, Provisioner, ProvisionError
from builds.engine.provisioners.scripting import (
    DISCONNECT_EXIT_STATUS,
    Interpolator,
    check_exit_code,
    environment,
    environment_var_problems,
    exit_codes,
    flatten_environment,
)

if TYPE_CHECKING:
    from builds.engine.cancel import CancelToken
    from builds.engine.communicators.base import Communicator
    from builds.engine.ui import BuildUI

T = TypeVar("T")

DEFAULT_EXECUTE_COMMAND = "chmod +x {{.Path}}; {{.Vars}} {{.Path}}"
DEFAULT_ENV_FILE_EXECUTE_COMMAND = "chmod +x {{.Path}}; . {{.EnvVarFile}} && {{.Path}}"
DEFAULT_INLINE_SHEBANG = "/bin/sh -e"
DEFAULT_START_RETRY_TIMEOUT = 300.0

# Our communicators report a dropped connection as -1; Packer's number for it is also accepted.
DISCONNECTED = -1

UNEXPECTED_DISCONNECT = ("Script disconnected unexpectedly. If you expected your script to disconnect, "
                         "i.e. from a restart, you can try adding `\"expect_disconnect\": true` or "
                         "`\"valid_exit_codes\": [0, 2300218]` to the shell provisioner parameters.")


class ShellProvisioner(Provisioner):
    """Packer's ``shell`` provisioner."""

    type_name = "shell"

    # Seconds between attempts to upload or start a script while the machine is unreachable.
    retry_delay = 2.0

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems: list[str] = []
        self.use_env_var_file = bool(config.get("use_env_var_file"))
        self.env_var_format = config.get("env_var_format") or (
            "export %s='%s'\n" if self.use_env_var_file else "%s='%s' ")
        self.execute_command = config.get("execute_command") or (
            DEFAULT_ENV_FILE_EXECUTE_COMMAND if self.use_env_var_file else DEFAULT_EXECUTE_COMMAND)
        self.inline: list[str] | None = list(config["inline"]) if config.get("inline") else None
        self.inline_shebang_defined = bool(config.get("inline_shebang"))
        self.inline_shebang = config.get("inline_shebang") or DEFAULT_INLINE_SHEBANG
        self.start_retry_timeout = self._duration("start_retry_timeout", DEFAULT_START_RETRY_TIMEOUT)
        self.pause_after = self._duration("pause_after", 0.0)
        self.remote_folder = config.get("remote_folder") or "/tmp"
        self.remote_file = config.get("remote_file") or f"script_{random.randrange(9999)}.sh"
        self.remote_path = config.get("remote_path") or f"{self.remote_folder}/{self.remote_file}"
        self.binary = bool(config.get("binary"))
        self.skip_clean = bool(config.get("skip_clean"))
        self.expect_disconnect = bool(config.get("expect_disconnect"))
        self.valid_exit_codes = exit_codes(config)
        self.environment_vars = list(config.get("environment_vars") or [])
        self.env = dict(config.get("env") or {})

        script = config.get("script") or ""
        self.scripts = list(config.get("scripts") or [])
        if script and self.scripts:
            self._problems.append("Only one of script or scripts can be specified.")
        if script:
            self.scripts = [script]
        if not self.scripts and self.inline is None:
            self._problems.append("Either a script file or inline script must be specified.")
        elif self.scripts and self.inline is not None:
            self._problems.append("Only a script file or an inline script can be specified, not both.")
        for path in self.scripts:
            if "{{" not in path and not os.path.exists(path):
                self._problems.append(f"Bad script '{path}': stat {path}: no such file or directory")
        self._problems.extend(environment_var_problems(self.environment_vars))

    def _duration(self, name: str, default: float) -> float:
        text = self.raw.get(name)
        if not text:
            return default
        try:
            return parse_duration(text)
        except ValueError as exc:
            self._problems.append(f"{name}: {exc}")
            return default

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def provision(self, ui: BuildUI, communicator: Communicator, generated: dict[str, Any],
                  cancel: CancelToken) -> None:
        """Upload and run each script; raises ``ProvisionError`` when one cannot be uploaded or run, exits
        with a code not allowed, or disconnects unexpectedly, and ``Cancelled`` when cancelled."""
        interpolator = Interpolator(self.context, generated)
        scripts = [interpolator.render(path, "script") for path in self.scripts]
        inline_file = self._write_inline_script(interpolator) if self.inline is not None else None
        try:
            if inline_file is not None:
                scripts.append(inline_file)
            variables = environment(self.context, generated, self.environment_vars, self.env, interpolator)
            flattened = flatten_environment(variables, self.env_var_format)
            env_var_file = ""
            if self.use_env_var_file:
                env_var_file = self._upload_env_var_file(communicator, flattened, cancel)
            for path in scripts:
                self._run_script(ui, communicator, interpolator, path, flattened, env_var_file, cancel)
        finally:
            if inline_file is not None:
                os.unlink(inline_file)
        if env_var_file and not self.skip_clean:
            self._remove_remote_file(communicator, env_var_file, cancel)
        if self.pause_after:
            ui.say(f"Pausing {format_duration(self.pause_after)} after this provisioner...")
            if cancel.wait(self.pause_after):
                raise Cancelled(cancel.reason or "Build cancelled")

    def _write_inline_script(self, interpolator: Interpolator) -> str:
        commands = "".join(interpolator.render(command, "Inline") + "\n" for command in self.inline or [])
        shebang = ""
        if self.inline_shebang_defined or not commands.startswith("#!"):
            shebang = f"#!{self.inline_shebang}\n"
        fd, path = tempfile.mkstemp(prefix="packer-shell")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(shebang + commands)
        return path

    def _upload_env_var_file(self, communicator: Communicator, content: str, cancel: CancelToken) -> str:
        remote = f"{self.remote_folder}/varfile_{random.randrange(9999)}.sh"
        data = content.encode("utf-8")
        if not self.binary:
            data = unix_line_endings(data)

        def attempt() -> None:
            try:
                communicator.upload(remote, io.BytesIO(data))
            except CommunicatorError as exc:
                raise CommunicatorError(f"Error uploading envVarFile: {exc}") from None
            self._run_quietly(communicator, f"chmod 0600 {remote}", cancel,
                              "Error chmodding script file to 0600 in remote machine")

        self._retry(communicator, attempt, cancel)
        return remote

    def _run_script(self, ui: BuildUI, communicator: Communicator, interpolator: Interpolator, path: str,
                    flattened: str, env_var_file: str, cancel: CancelToken) -> None:
        ui.say(f"Provisioning with shell script: {path}")
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise ProvisionError(f"Error opening shell script: {exc.strerror or exc}: {path}") from None
        if not self.binary:
            data = unix_line_endings(data)
        command = interpolator.render(self.execute_command, "execute_command", Vars=flattened,
                                      EnvVarFile=env_var_file, Path=self.remote_path)

        def attempt() -> int:
            try:
                communicator.upload(self.remote_path, io.BytesIO(data))
            except CommunicatorError as exc:
                raise CommunicatorError(f"Error uploading script: {exc}") from None
            self._run_quietly(communicator, f"chmod 0755 {self.remote_path}", cancel,
                              "Error chmodding script file to 0755 in remote machine")
            return communicator.run(RemoteCommand(command, stdout=_lines_to(ui.stdout),
                                                  stderr=_lines_to(ui.stderr)), cancel)

        status = self._retry(communicator, attempt, cancel)
        if status in (DISCONNECTED, DISCONNECT_EXIT_STATUS):
            if not (self.expect_disconnect or DISCONNECT_EXIT_STATUS in self.valid_exit_codes):
                raise ProvisionError(UNEXPECTED_DISCONNECT)
        else:
            check_exit_code(status, self.valid_exit_codes)
        if not self.skip_clean:
            self._remove_remote_file(communicator, self.remote_path, cancel)

    def _remove_remote_file(self, communicator: Communicator, path: str, cancel: CancelToken) -> None:
        def attempt() -> None:
            try:
                status = communicator.run(RemoteCommand(f"rm -f {path}"), cancel)
            except CommunicatorError as exc:
                raise CommunicatorError(f"Error removing temporary script at {path}: {exc}") from None
            if status in (DISCONNECTED, DISCONNECT_EXIT_STATUS):
                raise CommunicatorError("Disconnect while removing temporary script.")
            if status != 0:
                raise CommunicatorError(f"Error removing temporary script at {path}!")

        self._retry(communicator, attempt, cancel)

    def _run_quietly(self, communicator: Communicator, command: str, cancel: CancelToken, what: str) -> None:
        try:
            communicator.run(RemoteCommand(command), cancel)
        except CommunicatorError as exc:
            raise CommunicatorError(f"{what}: {exc}") from None

    def _retry(self, communicator: Communicator, attempt: Callable[[], T], cancel: CancelToken) -> T:
        """Call ``attempt`` until it stops raising ``CommunicatorError`` or ``start_retry_timeout`` has
        passed; raise the last error as a ``ProvisionError`` then."""
        deadline = time.monotonic() + self.start_retry_timeout
        while True:
            cancel.raise_if_cancelled()
            try:
                return attempt()
            except CommunicatorError as exc:
                if communicator.type_name == "none" or time.monotonic() >= deadline:
                    raise ProvisionError(str(exc)) from None
            if cancel.wait(self.retry_delay):
                raise Cancelled(cancel.reason or "Build cancelled")


def unix_line_endings(data: bytes) -> bytes:
    """Return ``data`` with every line ended by a lone ``\\n`` (CRLF converted, a final newline added),
    as Packer uploads scripts unless ``binary`` is set."""
    if not data:
        return data
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join((line[:-1] if line.endswith(b"\r") else line) + b"\n" for line in lines)


def _lines_to(write: Callable[[str], None]) -> Callable[[str], None]:
    # Imported at run time only: validation never streams output.
    from builds.engine.localexec import clean_output_line

    def deliver(line: str) -> None:
        line = clean_output_line(line)
        if line:
            write(line)
    return deliver

"""Running ``imagehub build`` and Packer 1.6.6 on the parity templates, and reading what each left behind.

A template lives in ``tests/parity/templates/<name>/`` and declares the
variables it is given with ``-var``: when it builds over SSH,
``ssh_host``, ``ssh_port``, ``ssh_username`` and ``ssh_private_key_file``
(the session's sshd) and ``remote_dir`` (a fresh directory on the target,
owned by the test user); when it writes local files, ``out_dir`` (a fresh
local directory, also the working directory of the run); and any others
a test passes.

Both tools run as subprocesses with the same environment; tests marked
``packer`` use the ``packer`` fixture, which skips when ``/usr/bin/packer``
is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKER = "/usr/bin/packer"
RUN_TIMEOUT = 180


def imagehub_command() -> list[str]:
    """The ``imagehub`` script next to the running Python, else ``python -m builds.engine``."""
    script = Path(sys.executable).with_name("imagehub")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "builds.engine"]


def tool_environment() -> dict[str, str]:
    """The environment both tools run in: no update checks, and this venv's programs (ansible) on PATH."""
    env = dict(os.environ)
    env["CHECKPOINT_DISABLE"] = "1"
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "/usr/bin:/bin")])
    return env


@dataclass
class BuildRun:
    """One finished run of one tool: its exit code, output and the two directories it worked in."""

    tool: str
    returncode: int
    stdout: str
    stderr: str
    remote_dir: Path | None  # None when the template does not build over SSH
    out_dir: Path

    def describe(self) -> str:
        """The run's output, for assertion messages."""
        return f"{self.tool} exited {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


class ParityRunner:
    """Runs either tool on a template against the session's sshd, each run in fresh directories."""

    def __init__(self, server, scratch: Path):
        self.server = server
        self.scratch = scratch
        self.remote_dirs: list[Path] = []

    def fresh_remote_dir(self, label: str) -> Path:
        """Create and return an empty directory on the target, owned by the test user."""
        path = Path(self.server.home) / f"parity-{label}-{uuid.uuid4().hex[:10]}"
        self.server.run_as_user(f"mkdir -m 755 {path}")
        self.remote_dirs.append(path)
        return path

    def fresh_out_dir(self, label: str) -> Path:
        """Create and return an empty local directory."""
        path = self.scratch / f"{label}-{uuid.uuid4().hex[:10]}"
        path.mkdir()
        return path

    def ssh_variables(self) -> dict[str, str]:
        """The ``-var`` values that reach the session's sshd with the test user's key."""
        return {
            "ssh_host": self.server.host,
            "ssh_port": str(self.server.port),
            "ssh_username": self.server.username,
            "ssh_private_key_file": self.server.private_key_path,
        }

    def run(self, tool: str, template: str, *flags: str, stdin: str | None = None, ssh: bool = True,
            out_dir: bool = True, variables: Mapping[str, str] | None = None,
            environment: Mapping[str, str] | None = None) -> BuildRun:
        """Run ``<tool> build -color=false <flags> <vars> templates/<template>`` and return how it went.

        ``tool`` is ``"imagehub"`` or ``"packer"``. ``ssh=False`` and ``out_dir=False`` leave out the
        variables of the module docstring for templates that do not declare them (Packer refuses
        values for undeclared variables); ``variables`` adds others, ``environment`` sets variables of
        the tool's environment.
        """
        label = f"{template}-{tool}"
        remote = self.fresh_remote_dir(label) if ssh else None
        local = self.fresh_out_dir(label)
        values = {**self.ssh_variables(), "remote_dir": str(remote)} if ssh else {}
        if out_dir:
            values["out_dir"] = str(local)
        values.update(variables or {})
        command = imagehub_command() if tool == "imagehub" else [PACKER]
        command += ["build", "-color=false", *flags]
        for name, value in values.items():
            command += ["-var", f"{name}={value}"]
        command.append(str(TEMPLATES / template))
        completed = subprocess.run(command, cwd=local, env={**tool_environment(), **(environment or {})},
                                   input=stdin or "", capture_output=True, text=True, timeout=RUN_TIMEOUT)
        return BuildRun(tool, completed.returncode, completed.stdout, completed.stderr, remote, local)

    def run_tools(self, template: str, *flags: str,
                  tool_variables: Mapping[str, Mapping[str, str]] | None = None,
                  packer_can_run: bool = True, **options) -> dict[str, BuildRun]:
        """Run imagehub and, when it is installed, packer on the same template at the same time.

        Returns the runs by tool name ("packer" is absent without the binary, or when
        ``packer_can_run`` is false). ``options`` are :meth:`run`'s; ``tool_variables`` adds variables
        for one tool only (by tool name).
        """
        tools = ["imagehub"] + (["packer"] if packer_can_run and os.path.exists(PACKER) else [])
        with ThreadPoolExecutor(len(tools)) as pool:
            futures = {}
            for tool in tools:
                variables = {**options.get("variables", {}), **(tool_variables or {}).get(tool, {})}
                futures[tool] = pool.submit(self.run, tool, template, *flags,
                                            **{**options, "variables": variables})
            return {tool: future.result() for tool, future in futures.items()}

    def run_many(self, jobs: Mapping[str, tuple], workers: int = 4) -> dict[str, BuildRun]:
        """Run several builds at once: ``jobs`` maps a key to the arguments of :meth:`run` (a tuple,
        optionally ending with a dict of its keyword arguments); returns the runs by key."""
        def start(arguments: tuple) -> BuildRun:
            if arguments and isinstance(arguments[-1], dict):
                return self.run(*arguments[:-1], **arguments[-1])
            return self.run(*arguments)

        with ThreadPoolExecutor(workers) as pool:
            futures = {key: pool.submit(start, arguments) for key, arguments in jobs.items()}
            return {key: future.result() for key, future in futures.items()}

    def remove_remote_dirs(self) -> None:
        for path in self.remote_dirs:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def parity(sshd, tmp_path_factory) -> Iterator[ParityRunner]:
    """Runs imagehub or packer on a parity template against the session's sshd."""
    runner = ParityRunner(sshd, tmp_path_factory.mktemp("parity"))
    yield runner
    runner.remove_remote_dirs()


@pytest.fixture(scope="session")
def packer() -> str:
    """The path of Debian's packer 1.6.6; skips the test when it is not installed."""
    if not os.path.exists(PACKER):
        pytest.skip(f"{PACKER} is not installed (apt-get install packer)")
    return PACKER


def tree(root: Path) -> dict[str, tuple[str, int, bytes | None]]:
    """Every entry below ``root``: relative path -> (kind "dir"/"file", permission bits, file bytes).

    Occurrences of ``root`` itself inside file contents are replaced by ``<root>``, so trees that two
    tools built in different directories compare equal when the effects were the same.
    """
    entries: dict[str, tuple[str, int, bytes | None]] = {}
    marker = str(root).encode()
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        relative = str(path.relative_to(root))
        if stat.S_ISDIR(info.st_mode):
            entries[relative] = ("dir", stat.S_IMODE(info.st_mode), None)
        else:
            entries[relative] = ("file", stat.S_IMODE(info.st_mode), path.read_bytes().replace(marker, b"<root>"))
    return entries


def manifest_shape(path: Path, out_dir: Path) -> list[dict[str, object]]:
    """The parts of a Packer manifest that do not vary between runs, one dict per build entry.

    Each entry keeps its keys (sorted), ``name``, ``builder_type``, ``artifact_id``, ``custom_data``
    and its files as paths relative to ``out_dir`` (or None). Entries are sorted, since parallel
    builds append in the order they finish. Asserts the run uuid fields agree with each other and
    that every build time is an integer.
    """
    document = json.loads(path.read_text())
    assert sorted(document) == ["builds", "last_run_uuid"]
    shapes = []
    for build in document["builds"]:
        assert build["packer_run_uuid"] == document["last_run_uuid"]
        assert isinstance(build["build_time"], int)
        files = build["files"]
        shapes.append({
            "keys": sorted(build),
            "name": build["name"],
            "builder_type": build["builder_type"],
            "artifact_id": build["artifact_id"],
            "custom_data": build["custom_data"],
            "files": None if files is None else [
                (str(Path(f["name"]).relative_to(out_dir)), sorted(f)) for f in files
            ],
        })
    return sorted(shapes, key=lambda shape: json.dumps(shape, sort_keys=True))

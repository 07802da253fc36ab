"""Benchmark of ``imagehub build`` against Debian's packer 1.6.6, run side by side as processes.

Cases, each run ``--repeat`` times after one unmeasured warm-up run per
tool, the tools alternating, reported as the median wall time of the whole
process in milliseconds, with its median CPU time (user + system, its
children included; the Docker daemon's work is in neither), as markdown
tables ready for BENCHMARKS.md:

* (a) a null build over SSH: two shell provisioners, a file upload, a file
  download and a manifest; imagehub and packer;
* (b) a docker build: two shell provisioners, a commit and docker-tag;
  imagehub and packer (packer's docker builder drives the ``docker`` CLI,
  pointed at the same daemon with DOCKER_HOST);
* (c) imagehub alone with 1, 10 and 50 shell provisioners, all over the one
  SSH connection of the build.

The SSH target is an sshd on loopback: the test fixture's
(tests/fixtures/sshd.py, which needs root) when it can start, else a
minimal sshd of this script's own, run as the current user who then logs in
as themselves. The docker case uses the daemon at ``--docker-host`` (or
DOCKER_HOST) when given, else the test fixture's private daemon
(tests/fixtures/dockerd.py); it is left out when no daemon can be had.

imagehub runs installed as README.md installs it (``pip install .``, into a
throwaway virtualenv: tests/bench/installed.py), bytecode compiled and
cached; the load average
of the machine is printed with the figures, since other work on it skews
wall times.

Run: python tests/bench/bench_build.py [--repeat N] [--docker-host unix:///...] [--profile]
``--profile`` also prints the slowest imports and a cProfile of one (a)
build run inside this process.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import getpass
import io
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.installed import installed_command  # noqa: E402
from tests.bench.timing import Sample, timed  # noqa: E402

PACKER = "/usr/bin/packer"
SHELL_COUNTS = (1, 10, 50)
TARGET = 0.8  # imagehub's wall time should be at most this share of packer's

SSH_VARIABLES = '''
variable "ssh_host" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "ssh_username" {
  type = string
}

variable "ssh_private_key_file" {
  type = string
}

variable "remote_dir" {
  type = string
}

variable "out_dir" {
  type = string
}

source "null" "bench" {
  ssh_host             = var.ssh_host
  ssh_port             = var.ssh_port
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = "10s"
}
'''

NULL_BUILD = SSH_VARIABLES + '''
build {
  sources = ["source.null.bench"]

  provisioner "shell" {
    inline = ["mkdir -p ${var.remote_dir}/etc", "echo one > ${var.remote_dir}/etc/one"]
  }

  provisioner "file" {
    source      = "${path.root}/payload.txt"
    destination = "${var.remote_dir}/etc/payload.txt"
  }

  provisioner "shell" {
    inline = ["cat ${var.remote_dir}/etc/one ${var.remote_dir}/etc/payload.txt > ${var.remote_dir}/report.txt"]
  }

  provisioner "file" {
    direction   = "download"
    source      = "${var.remote_dir}/report.txt"
    destination = "${var.out_dir}/report.txt"
  }

  post-processor "manifest" {
    output = "${var.out_dir}/manifest.json"
  }
}
'''

DOCKER_BUILD = '''
variable "image" {
  type = string
}

variable "repository" {
  type = string
}

source "docker" "bench" {
  image   = var.image
  commit  = true
  pull    = false
  changes = ["ENV BENCH=1"]
}

build {
  sources = ["source.docker.bench"]

  provisioner "shell" {
    inline = ["mkdir -p /srv/bench", "echo one > /srv/bench/one"]
  }

  provisioner "shell" {
    inline = ["cat /srv/bench/one > /srv/bench/two"]
  }

  post-processor "docker-tag" {
    repository = var.repository
    tags       = ["bench"]
  }
}
'''


def shell_build(count: int) -> str:
    provisioners = "".join('''
  provisioner "shell" {
    inline = ["true"]
  }
''' for _ in range(count))
    return SSH_VARIABLES + f'''
build {{
  sources = ["source.null.bench"]
{provisioners}}}
'''


@dataclass
class Target:
    """An sshd to build against: where it listens, who logs in and where they may write."""

    host: str
    port: int
    username: str
    private_key_path: str
    home: str
    run_as_user: Callable[[str], object]


def imagehub_command() -> list[str]:
    """The console script of ImageHub installed as README.md installs it (made on first use)."""
    return list(installed_command())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def fixture_sshd() -> Iterator[Target]:
    from tests.fixtures.sshd import start_sshd

    server = start_sshd()
    try:
        yield Target(server.host, server.port, server.username, server.private_key_path, server.home,
                     server.run_as_user)
    finally:
        server.stop()


@contextlib.contextmanager
def own_sshd() -> Iterator[Target]:
    """A minimal sshd run as the current user, who logs in as themselves with a fresh key."""
    directory = Path(tempfile.mkdtemp(prefix="bench-sshd-"))
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(directory / name)],
                       check=True, capture_output=True)
    shutil.copy(directory / "client.pub", directory / "authorized_keys")
    port = free_port()
    config = directory / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {directory / 'host'}",
        f"PidFile {directory / 'sshd.pid'}", "UsePAM no", "StrictModes no", "PasswordAuthentication no",
        f"AuthorizedKeysFile {directory / 'authorized_keys'}", "Subsystem sftp internal-sftp",
        "MaxSessions 100", "UseDNS no",
    ]) + "\n")
    with open(directory / "sshd.log", "wb") as log:
        process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 10
        while b"Server listening" not in (directory / "sshd.log").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sshd did not start: " + (directory / "sshd.log").read_text())
            time.sleep(0.02)

        def run_locally(command: str) -> object:
            return subprocess.run(["/bin/sh", "-c", command], check=True, capture_output=True)

        yield Target("127.0.0.1", port, getpass.getuser(), str(directory / "client"), str(Path.home()),
                     run_locally)
    finally:
        process.terminate()
        process.wait(5)
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def docker_daemon(address: str | None) -> Iterator[tuple[str, str] | None]:
    """Yield (DOCKER_HOST, base image) or None when no daemon can be had."""
    if address:
        yield address, os.environ.get("BENCH_DOCKER_IMAGE", "busybox:latest")
        return
    try:
        from tests.fixtures import dockerd as fixture

        daemon = fixture.dockerd.__wrapped__()
        info = next(daemon)
    except BaseException as exc:  # pytest's skip is a BaseException; report and go on without docker
        print(f"(docker case left out: {exc})", file=sys.stderr)
        yield None
        return
    try:
        yield info.host, info.base_image
    finally:
        with contextlib.suppress(StopIteration):
            next(daemon)


def remove_images(host: str, names: list[str]) -> None:
    """Remove the images the docker case tagged (and so the image under each tag)."""
    from builds.engine.docker_client import DockerException, docker_client

    client = docker_client(host)
    try:
        for name in names:
            with contextlib.suppress(DockerException):
                client.api.remove_image(name)
    finally:
        client.close()


class Bench:
    def __init__(self, target: Target, repeat: int, work: Path):
        self.target = target
        self.repeat = repeat
        self.work = work
        self.env = {**os.environ, "CHECKPOINT_DISABLE": "1",
                    "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def template(self, name: str, text: str) -> Path:
        directory = self.work / name
        directory.mkdir(exist_ok=True)
        (directory / "build.pkr.hcl").write_text(text)
        (directory / "payload.txt").write_text("payload\n" * 64)
        return directory

    def ssh_variables(self, out_dir: Path) -> list[str]:
        remote = Path(self.target.home) / f"bench-{uuid.uuid4().hex[:10]}"
        self.target.run_as_user(f"mkdir -p {remote}")
        values = {"ssh_host": self.target.host, "ssh_port": str(self.target.port),
                  "ssh_username": self.target.username, "ssh_private_key_file": self.target.private_key_path,
                  "remote_dir": str(remote), "out_dir": str(out_dir)}
        return [arg for name, value in values.items() for arg in ("-var", f"{name}={value}")]

    def run_once(self, tool: str, template: Path, variables: Callable[[Path], list[str]],
                 env: dict[str, str] | None = None) -> Sample:
        out_dir = Path(tempfile.mkdtemp(dir=self.work))
        command = imagehub_command() if tool == "imagehub" else [PACKER]
        command += ["build", "-color=false", *variables(out_dir), str(template)]
        return timed(command, out_dir, {**self.env, **(env or {})})

    def compare(self, tools: list[str], template: Path, variables: Callable[[Path], list[str]],
                env: dict[str, str] | None = None) -> dict[str, Sample]:
        """Median wall and CPU ms per tool, alternating the tools, after one warm-up run each."""
        samples: dict[str, list[Sample]] = {tool: [] for tool in tools}
        for tool in tools:
            self.run_once(tool, template, variables, env)
        for _ in range(self.repeat):
            for tool in tools:
                samples[tool].append(self.run_once(tool, template, variables, env))
        return {tool: Sample(statistics.median(s.wall_ms for s in values),
                             statistics.median(s.cpu_ms for s in values))
                for tool, values in samples.items()}


def ratio_row(label: str, medians: dict[str, Sample]) -> str:
    ours = medians["imagehub"]
    theirs = medians.get("packer")
    if theirs is None:
        return f"| {label} | {ours.wall_ms:.0f} | n/a | n/a | n/a | {ours.cpu_ms:.0f} | n/a |"
    ratio = ours.wall_ms / theirs.wall_ms
    verdict = "yes" if ratio <= TARGET else "no"
    return (f"| {label} | {ours.wall_ms:.0f} | {theirs.wall_ms:.0f} | {ratio:.2f}× | {verdict} | "
            f"{ours.cpu_ms:.0f} | {theirs.cpu_ms:.0f} |")


def profile_null_build(bench: Bench, template: Path) -> None:
    """Print the slowest imports of ``imagehub build`` and a cProfile of one build run in-process."""
    out_dir = Path(tempfile.mkdtemp(dir=bench.work))
    args = ["build", "-color=false", *bench.ssh_variables(out_dir), str(template)]
    imports = subprocess.run([sys.executable, "-X", "importtime", "-m", "builds.engine", *args], cwd=out_dir,
                             env=bench.env, capture_output=True, text=True)
    rows = []
    for line in imports.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("\nSlowest imports (cumulative µs):")
    for cumulative, name in sorted(rows, reverse=True)[:25]:
        print(f"{cumulative:>10}  {name}")
    from builds.engine.cli import main

    out_dir = Path(tempfile.mkdtemp(dir=bench.work))
    args = ["build", "-color=false", *bench.ssh_variables(out_dir), str(template)]
    profiler = cProfile.Profile()
    cwd = os.getcwd()
    os.chdir(out_dir)
    try:
        profiler.runcall(main, args, io.StringIO(), io.StringIO())
    finally:
        os.chdir(cwd)
    print("\ncProfile of one (a) build (cumulative):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--docker-host", default=os.environ.get("DOCKER_HOST"))
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    have_packer = os.path.exists(PACKER)
    tools = ["imagehub", "packer"] if have_packer else ["imagehub"]
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    sshd = fixture_sshd if os.geteuid() == 0 else own_sshd
    try:
        with sshd() as target:
            bench = Bench(target, options.repeat, work)
            null_template = bench.template("null", NULL_BUILD)
            results = [ratio_row("(a) null over SSH: 2 shell, upload, download, manifest",
                                 bench.compare(tools, null_template, bench.ssh_variables))]
            with docker_daemon(options.docker_host) as daemon:
                if daemon is not None:
                    host, image = daemon
                    docker_tools = tools if shutil.which("docker") else ["imagehub"]
                    docker_template = bench.template("docker", DOCKER_BUILD)

                    repositories: list[str] = []

                    def docker_variables(out_dir: Path) -> list[str]:
                        repositories.append(f"bench-{uuid.uuid4().hex[:12]}")
                        return ["-var", f"image={image}", "-var", f"repository={repositories[-1]}"]

                    try:
                        results.append(ratio_row("(b) docker: 2 shell, commit, docker-tag",
                                                 bench.compare(docker_tools, docker_template, docker_variables,
                                                               {"DOCKER_HOST": host})))
                    finally:
                        remove_images(host, [f"{repo}:bench" for repo in repositories])
            shell_rows = []
            for count in SHELL_COUNTS:
                template = bench.template(f"shell-{count}", shell_build(count))
                shell_rows.append((count, bench.compare(["imagehub"], template, bench.ssh_variables)["imagehub"]))
            if options.profile:
                profile_null_build(bench, null_template)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    packer_version = "not installed"
    if have_packer:
        packer_version = subprocess.run([PACKER, "version"], capture_output=True, text=True,
                                        env={**os.environ, "CHECKPOINT_DISABLE": "1"}).stdout.strip()
    print(f"\n`imagehub build` vs {packer_version}: median wall ms of the whole process over "
          f"{options.repeat} runs (after one warm-up), {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after.\n")
    print(f"| case | imagehub ms | packer ms | imagehub / packer | ≤ {TARGET}× | imagehub CPU ms | packer CPU ms |")
    print("|---|---:|---:|---:|:---:|---:|---:|")
    for row in results:
        print(row)
    print("\n| shell provisioners (one SSH connection) | imagehub ms | ms per provisioner after the first "
          "| imagehub CPU ms |")
    print("|---:|---:|---:|---:|")
    first = shell_rows[0][1].wall_ms
    for count, median in shell_rows:
        extra = f"{(median.wall_ms - first) / (count - 1):.1f}" if count > 1 else "—"
        print(f"| {count} | {median.wall_ms:.0f} | {extra} | {median.cpu_ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

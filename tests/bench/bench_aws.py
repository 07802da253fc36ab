"""Benchmark of ``imagehub build`` against Debian's packer 1.6.6 on one amazon-ebs template, against one moto server.

Both tools build the same template, the issue's seed example in shape
(``ami_name``, ``region``, ``instance_type``, ``source_ami``,
``ssh_username``, tags with ``{{ .SourceAMI }}``, a shell provisioner with two
commands), pointed at a moto server with ``custom_endpoint_ec2`` and at an
sshd on loopback with ``ssh_host``/``ssh_port``, in two cases:

* (a) a temporary key pair: created through the API, and accepted by the
  sshd through an ``AuthorizedKeysCommand`` that lists the server's key pairs
  (tests/fixtures/moto.py);
* (b) an imported key pair (``ssh_keypair_name`` + ``ssh_private_key_file``),
  the configuration the issue quotes packer's 0.5 s for;
* (c) case (b) run again and again by ``imagehub``'s engine inside one
  process, as the dashboard's worker runs builds: what a build costs once
  Python, botocore and paramiko are loaded (packer's figure is its (b) run).

Before every run the moto server is reset to its defaults and asked once for
the regions and the source AMI, so that its own first-use work (building a
region's ~1300 default AMIs) is not inside anyone's time. Each case runs
``--repeat`` times after one unmeasured warm-up run per tool, the tools
alternating; the table gives the median wall time of the whole process and
its median CPU time (user + system, with the children it waited for, so
packer's plugin process is in packer's; moto's and sshd's work is in
neither). imagehub runs installed as README.md installs it (``pip install .``
into a throwaway virtualenv: tests/bench/installed.py), with bytecode
caching on (PYTHONDONTWRITEBYTECODE is removed from its environment). The load
average before and after is printed with the figures: the machine's other
work skews wall times.

Needs root (the test sshd) and ``moto[server]``; packer is optional.

Run: python tests/bench/bench_aws.py [--repeat N] [--profile] [--floor]
``--profile`` also prints a cProfile of one case (a) build run in this process.
``--floor`` also times, alternating with case (b) of both tools, what no
Python build can avoid: the interpreter starting (``python -c pass``) and
importing botocore's session (``python -c 'import botocore.session'``, with the
cyclic collector off as ``imagehub build`` has it while loading the SDK), with
the installed ImageHub's interpreter.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.bench.installed import installed_command  # noqa: E402
from tests.bench.timing import Sample, timed  # noqa: E402
from tests.fixtures.moto import authorized_keys_command, start_moto_server  # noqa: E402
from tests.fixtures.sshd import start_sshd  # noqa: E402

PACKER = "/usr/bin/packer"
TARGET = 0.8  # imagehub's wall time should be at most this share of packer's
SOURCE_AMI = "ami-1e749f67"
IMPORTED_KEY_PAIR = "bench-imported"

TEMPLATE = '''
variable "endpoint" {
  type = string
}

variable "ami_name" {
  type = string
}

variable "ssh_port" {
  type = number
}

variable "ssh_username" {
  type = string
}

variable "ssh_keypair_name" {
  type    = string
  default = ""
}

variable "ssh_private_key_file" {
  type    = string
  default = ""
}

source "amazon-ebs" "web" {
  ami_name                   = var.ami_name
  region                     = "us-east-1"
  instance_type              = "t2.micro"
  source_ami                 = "ami-1e749f67"
  ssh_username               = var.ssh_username
  ssh_host                   = "127.0.0.1"
  ssh_port                   = var.ssh_port
  ssh_keypair_name           = var.ssh_keypair_name
  ssh_private_key_file       = var.ssh_private_key_file
  custom_endpoint_ec2        = var.endpoint
  skip_credential_validation = true
  tags = {
    Name = "web"
    Base = "{{ .SourceAMI }}"
  }
}

build {
  sources = ["source.amazon-ebs.web"]

  provisioner "shell" {
    inline = ["echo installing the web service", "echo enabling the web service"]
  }
}
'''


def imagehub_command() -> list[str]:
    """The console script of ImageHub installed as README.md installs it (made on first use)."""
    return list(installed_command())


class Bench:
    def __init__(self, moto, sshd, repeat: int, work: Path):
        self.moto = moto
        self.sshd = sshd
        self.repeat = repeat
        self.work = work
        self.template = work / "web.pkr.hcl"
        self.template.write_text(TEMPLATE)
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
        self.env.update(moto.env())
        self.env.update({"CHECKPOINT_DISABLE": "1", "IMAGEHUB_LEDGER_DIR": str(work / "ledger"),
                         "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])})
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    def fresh_server(self, imported: bool) -> None:
        """moto back to its defaults, its first-use work done, and the imported key pair in it if wanted."""
        self.moto.reset()
        ec2 = self.moto.client("ec2")
        ec2.describe_regions()
        ec2.describe_images(ImageIds=[SOURCE_AMI])
        if imported:
            ec2.import_key_pair(KeyName=IMPORTED_KEY_PAIR, PublicKeyMaterial=self.sshd.public_key.encode())

    def variables(self, imported: bool) -> list[str]:
        values = {"endpoint": self.moto.endpoint, "ami_name": f"bench-{uuid.uuid4().hex[:12]}",
                  "ssh_port": str(self.sshd.port), "ssh_username": self.sshd.username}
        if imported:
            values.update(ssh_keypair_name=IMPORTED_KEY_PAIR, ssh_private_key_file=self.sshd.private_key_path)
        return [arg for name, value in values.items() for arg in ("-var", f"{name}={value}")]

    def run_once(self, tool: str, imported: bool) -> Sample:
        self.fresh_server(imported)
        command = imagehub_command() if tool == "imagehub" else [PACKER]
        command += ["build", "-color=false", *self.variables(imported), str(self.template)]
        return timed(command, self.work, self.env)

    def compare(self, tools: list[str], imported: bool) -> tuple[dict[str, Sample], dict[str, list[Sample]]]:
        """Median wall and CPU ms per tool (and every sample), alternating the tools, after one warm-up each."""
        samples: dict[str, list[Sample]] = {tool: [] for tool in tools}
        for tool in tools:
            self.run_once(tool, imported)
        for _ in range(self.repeat):
            for tool in tools:
                samples[tool].append(self.run_once(tool, imported))
        medians = {tool: Sample(statistics.median(s.wall_ms for s in values),
                                statistics.median(s.cpu_ms for s in values))
                   for tool, values in samples.items()}
        return medians, samples

    def floor(self, tools: list[str]) -> dict[str, list[Sample]]:
        """Every sample of the interpreter's start, of importing botocore's session, and of case (b) of each tool,
        alternating, after one warm-up round."""
        python = str(Path(imagehub_command()[0]).parent / "python")
        commands = {"python -c pass": [python, "-c", "pass"],
                    "import botocore.session": [python, "-c", "import gc; gc.disable(); import botocore.session"]}
        samples: dict[str, list[Sample]] = {name: [] for name in [*commands, *tools]}
        for attempt in range(self.repeat + 1):
            for name in samples:
                if name in commands:
                    sample = timed(commands[name], self.work, self.env)
                else:
                    sample = self.run_once(name, imported=True)
                if attempt:
                    samples[name].append(sample)
        return samples

    def in_process(self, imported: bool) -> Sample:
        """Median wall and CPU ms of builds run by the engine in this process, after one warm-up build."""
        from builds.engine.cli import main

        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        cwd = os.getcwd()
        os.chdir(self.work)
        samples = []
        try:
            for attempt in range(self.repeat + 1):
                self.fresh_server(imported)
                out = io.StringIO()
                started, cpu = time.perf_counter(), time.process_time()
                status = main(["build", "-color=false", *self.variables(imported), str(self.template)], out, out)
                sample = Sample((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
                if status != 0:
                    raise RuntimeError(f"in-process build failed ({status}):\n{out.getvalue()}")
                if attempt:
                    samples.append(sample)
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved)
        return Sample(statistics.median(s.wall_ms for s in samples), statistics.median(s.cpu_ms for s in samples))

    def profile(self) -> None:
        """Print a cProfile of one case (a) build run in this process."""
        from builds.engine.cli import main

        self.fresh_server(imported=False)
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        profiler = cProfile.Profile()
        try:
            profiler.runcall(main, ["build", "-color=false", *self.variables(False), str(self.template)],
                             io.StringIO(), io.StringIO())
        finally:
            os.environ.clear()
            os.environ.update(saved)
        print("\ncProfile of one (a) build in-process (cumulative):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def row(label: str, medians: dict[str, Sample]) -> str:
    ours = medians["imagehub"]
    theirs = medians.get("packer")
    if theirs is None:
        return f"| {label} | {ours.wall_ms:.0f} | n/a | n/a | n/a | {ours.cpu_ms:.0f} | n/a |"
    ratio = ours.wall_ms / theirs.wall_ms
    return (f"| {label} | {ours.wall_ms:.0f} | {theirs.wall_ms:.0f} | {ratio:.2f}× | "
            f"{'yes' if ratio <= TARGET else 'no'} | {ours.cpu_ms:.0f} | {theirs.cpu_ms:.0f} |")


def spread(samples: dict[str, list[Sample]]) -> str:
    return "; ".join(f"{tool} {min(s.wall_ms for s in values):.0f}–{max(s.wall_ms for s in values):.0f} ms"
                     for tool, values in samples.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--floor", action="store_true")
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_aws.py needs root: the test sshd runs an AuthorizedKeysCommand, which sshd only runs "
              "from a root-owned path", file=sys.stderr)
        return 2
    tools = ["imagehub", "packer"] if os.path.exists(PACKER) else ["imagehub"]
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-aws-"))
    moto = start_moto_server()
    sshd = start_sshd(**authorized_keys_command(moto))
    results = []
    try:
        bench = Bench(moto, sshd, options.repeat, work)
        for label, imported in (("(a) temporary key pair", False), ("(b) imported key pair", True)):
            medians, samples = bench.compare(tools, imported)
            results.append((row(label, medians), spread(samples)))
        warm = {"imagehub": bench.in_process(imported=True)}
        if "packer" in medians:
            warm["packer"] = medians["packer"]
        results.append((row("(c) imported key pair, imagehub's engine in a warm process", warm), ""))
        floor = bench.floor(tools) if options.floor else {}
        if options.profile:
            bench.profile()
    finally:
        sshd.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)

    packer_version = "packer not installed"
    if len(tools) == 2:
        packer_version = subprocess.run([PACKER, "version"], capture_output=True, text=True,
                                        env={**os.environ, "CHECKPOINT_DISABLE": "1"}).stdout.strip()
    load_after = os.getloadavg()
    print(f"\n`imagehub build` vs {packer_version}, amazon-ebs against moto: median wall ms of the whole process "
          f"over {options.repeat} runs (after one warm-up), {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average (1/5/15 min) "
          f"{' '.join(f'{v:.1f}' for v in load_before)} before and {' '.join(f'{v:.1f}' for v in load_after)} "
          "after.\n")
    print(f"| case | imagehub ms | packer ms | imagehub / packer | ≤ {TARGET}× | imagehub CPU ms | packer CPU ms |")
    print("|---|---:|---:|---:|:---:|---:|---:|")
    for line, _ in results:
        print(line)
    print("\nRange of wall times: " + " | ".join(text for _, text in results if text))
    if floor:
        print_floor(floor)
    return 0


def print_floor(samples: dict[str, list[Sample]]) -> None:
    """The floor's table: median and fastest wall, median CPU, and the median wall as a share of packer's."""
    packer = statistics.median(s.wall_ms for s in samples["packer"]) if "packer" in samples else None
    print("\nFloor, alternating with case (b): ms")
    print("| run | wall median | wall fastest | CPU median | wall / packer's |")
    print("|---|---:|---:|---:|---:|")
    for name, values in samples.items():
        wall = statistics.median(s.wall_ms for s in values)
        share = f"{wall / packer:.2f}×" if packer else "n/a"
        print(f"| {name} | {wall:.0f} | {min(s.wall_ms for s in values):.0f} | "
              f"{statistics.median(s.cpu_ms for s in values):.0f} | {share} |")


if __name__ == "__main__":
    sys.exit(main())

"""Tests of `manage.py db_worker` as a process: it runs builds, and one killed mid-build leaves it lost."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builds import services
from builds.models import Build, BuildLogLine
from tests.fixtures.database import database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[4]
SLEEPER = """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo started", "sleep 30", "echo done"]
  }
}
"""


def environment_of(tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "imagehub.settings",
        "DATABASE_URL": database_url(),
        "IMAGEHUB_DATA_DIR": str(tmp_path / "data"),
        "IMAGEHUB_HEARTBEAT_SECONDS": "0.2",
        "IMAGEHUB_LOST_AFTER_SECONDS": "1.5",
        "IMAGEHUB_CONTROL_POLL_SECONDS": "0.1",
    }


def start_worker(tmp_path, name: str) -> subprocess.Popen:
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--concurrency", "1", "--interval", "0.1"],
                            cwd=ROOT, env=environment_of(tmp_path), stdout=log, stderr=subprocess.STDOUT)


def start_web(tmp_path) -> subprocess.Popen:
    """A web process as the scaled configuration runs one: daphne serving imagehub.asgi, no worker."""
    from tests.fixtures.scaled import free_port

    log = (tmp_path / "web.log").open("wb")
    daphne = Path(sys.executable).with_name("daphne")
    return subprocess.Popen([str(daphne), "-b", "127.0.0.1", "-p", str(free_port()), "imagehub.asgi:application"],
                            cwd=ROOT, env=environment_of(tmp_path), stdout=log, stderr=subprocess.STDOUT)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Who marks the build lost: another worker, or (with no worker left) a web process.
@pytest.mark.parametrize("watcher", ["worker", "web"])
def test_a_worker_killed_mid_build_leaves_it_lost_with_a_line_saying_so(watcher, builder, make_template, tmp_path):
    version = make_template("Sleeper", {"main.pkr.hcl": SLEEPER})
    build = services.start_build(version, builder, {})
    first = start_worker(tmp_path, "first")
    try:
        wait_for(lambda: BuildLogLine.objects.filter(build=build, text="started").exists())
        assert Build.objects.get(pk=build.pk).status == Build.Status.RUNNING
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
    second = start_worker(tmp_path, "second") if watcher == "worker" else start_web(tmp_path)
    try:
        wait_for(lambda: Build.objects.get(pk=build.pk).status == Build.Status.LOST)
    finally:
        stop(second)

    build.refresh_from_db()
    last = BuildLogLine.objects.filter(build=build).order_by("-seq").first()
    assert last.seq == build.last_seq
    assert last.text.startswith("Build lost: its worker on ")
    assert "stopped reporting" in last.text


def test_a_worker_process_runs_a_queued_build(builder, shell_version, tmp_path):
    build = services.start_build(shell_version, builder, {"greeting": "from a worker"})
    worker = start_worker(tmp_path, "worker")
    try:
        wait_for(lambda: Build.objects.get(pk=build.pk).is_over)
    finally:
        stop(worker)

    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED
    assert BuildLogLine.objects.filter(build=build, text="from a worker 2 true").exists()

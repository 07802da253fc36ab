"""Tests of `imagehub build --record`: a terminal build stored in the dashboard's history."""

import pytest

from builds.models import Build, BuildLogLine
from imagehub import cli
from imagehub.models import PackerTemplate

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = """
variable "who" {
  type    = string
  default = "world"
}

source "file" "greeting" {
  content = "hello ${var.who}"
  target  = "greeting.txt"
}

build {
  sources = ["source.file.greeting"]

  post-processor "shell-local" {
    inline = ["echo recorded ${var.who}"]
  }
}
"""


@pytest.fixture
def template_dir(tmp_path, monkeypatch, quick_worker):
    directory = tmp_path / "web"
    directory.mkdir()
    (directory / "main.pkr.hcl").write_text(TEMPLATE)
    monkeypatch.chdir(tmp_path)
    return directory


def test_a_recorded_build_joins_the_history_with_its_log_and_artifact(template_dir, builder, monkeypatch, capsys):
    monkeypatch.setenv("IMAGEHUB_USER", "bob")

    assert cli.main(["build", "--record", "-var", "who=bob", "-color=false", str(template_dir)]) == 0

    out = capsys.readouterr()
    assert "Build 'file.greeting' finished" in out.out
    build = Build.objects.get()
    assert "Recording this build as build #" in out.err
    assert build.recorded_from_cli and build.requested_by == builder
    assert build.status == Build.Status.SUCCEEDED and build.finished_at is not None
    assert build.template.name == "web" and build.template_version.number == 1
    assert build.variables == {"who": "bob"} and build.given_names == ["who"]
    texts = list(BuildLogLine.objects.filter(build=build).order_by("seq").values_list("text", flat=True))
    assert "recorded bob" in texts
    assert build.steps.filter(name="StepWriteFile", outcome="ok").exists()
    artifact = build.artifacts.filter(builder_id="packer.file").first()
    assert artifact.files[0]["size"] == len("hello bob")
    assert (template_dir.parent / "greeting.txt").read_text() == "hello bob"  # the user's file stays


def test_recording_the_same_files_again_reuses_their_version(template_dir):
    assert cli.main(["build", "--record", "-color=false", str(template_dir)]) == 0
    assert cli.main(["build", "--record", "-color=false", str(template_dir)]) == 0

    assert PackerTemplate.objects.get().versions.count() == 1
    assert Build.objects.count() == 2


def test_a_template_the_catalog_refuses_still_builds_unrecorded(tmp_path, monkeypatch, capsys, quick_worker):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my template.pkr.hcl").write_text(TEMPLATE)

    assert cli.main(["build", "--record", "-color=false", "my template.pkr.hcl"]) == 0

    assert "this build is not recorded" in capsys.readouterr().err
    assert Build.objects.count() == 0


CONSUMER = """
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "us-east-1"
}

source "file" "base" {
  content = "${data.imagehub-image.base.id}"
  target  = "base.txt"
}

build {
  sources = ["source.file.base"]
}
"""


def test_a_recorded_build_reads_channels_from_the_database_and_records_the_image_it_took(
        tmp_path, monkeypatch, quick_worker, make_template, make_ami_build, builder, image_of, capsys):
    from builds import channels, revocation
    from builds.channel_models import ImageUse

    version = make_template("golden-base", {"main.pkr.hcl": TEMPLATE})
    base = make_ami_build(version, "ami-0ubuntu0000000001")
    channels.assign(version.template, "production", base, builder)
    directory = tmp_path / "consumer"
    directory.mkdir()
    (directory / "main.pkr.hcl").write_text(CONSUMER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IMAGEHUB_URL", raising=False)

    assert cli.main(["build", "--record", "-color=false", str(directory)]) == 0

    assert (tmp_path / "base.txt").read_text() == image_of(base).image_id
    recorded = Build.objects.get(template__name="consumer")
    assert ImageUse.objects.get(build=recorded).image == image_of(base)

    revocation.revoke(image_of(base), builder, "CVE-2026-0001")
    assert cli.main(["build", "--record", "-color=false", str(directory)]) == 1
    captured = capsys.readouterr()
    shown = " ".join((captured.out + captured.err).split())  # diagnostics are wrapped to the terminal's width
    assert "CVE-2026-0001" in shown and 'that channel "production" of golden-base points at' in shown


SLOW = """
source "null" "slow" {
  communicator = "none"
}

build {
  sources = ["source.null.slow"]

  provisioner "shell-local" {
    inline = ["echo started", "sleep SECONDS", "echo never printed"]
  }
}
"""


def _start_slow_recorded_build(tmp_path, monkeypatch, seconds: str):
    """Start a recorded build that sleeps `seconds`, on a thread; return the thread, its exit status and the
    build once its first line is stored."""
    import threading
    import time

    directory = tmp_path / "slow"
    directory.mkdir()
    (directory / "main.pkr.hcl").write_text(SLOW.replace("SECONDS", seconds))
    monkeypatch.chdir(tmp_path)
    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(cli.main(["build", "--record", "-color=false",
                                                                      str(directory)])))
    thread.start()
    deadline = time.monotonic() + 30
    while not BuildLogLine.objects.filter(text="started").exists():
        assert time.monotonic() < deadline and thread.is_alive(), "the recorded build never printed its first line"
        time.sleep(0.05)
    return thread, status, Build.objects.get()


def _unique_seconds() -> str:
    """A sleep duration no other process is likely to use, to find it with pgrep."""
    import random

    return f"6{random.randint(0, 9)}.{random.randint(100000, 999999)}"


def _sleeping(seconds: str) -> bool:
    import subprocess

    return subprocess.run(["pgrep", "-f", f"sleep {seconds}"], capture_output=True).returncode == 0


def test_cancel_in_the_dashboard_cancels_a_recorded_build(tmp_path, monkeypatch, quick_worker, builder, capsys):
    import time

    from builds import services

    seconds = _unique_seconds()
    thread, status, build = _start_slow_recorded_build(tmp_path, monkeypatch, seconds)
    assert build.status == Build.Status.RUNNING and _sleeping(seconds)

    asked = time.monotonic()
    services.cancel_build(build, builder)
    thread.join(30)

    assert not thread.is_alive() and status == [1]
    assert time.monotonic() - asked < 10
    assert not _sleeping(seconds)
    build.refresh_from_db()
    assert build.status == Build.Status.CANCELLED
    assert build.exit_reason == f"Build was cancelled from the dashboard by {builder.username}."
    texts = list(BuildLogLine.objects.filter(build=build).order_by("seq").values_list("text", flat=True))
    assert f"Build was cancelled from the dashboard by {builder.username}. Cleaning up..." in texts
    assert "never printed" not in texts
    assert "cancelled from the dashboard" in capsys.readouterr().err


def test_a_recorded_build_marked_lost_stops(tmp_path, monkeypatch, quick_worker, capsys):
    seconds = _unique_seconds()
    thread, status, build = _start_slow_recorded_build(tmp_path, monkeypatch, seconds)
    Build.objects.filter(pk=build.pk).update(status=Build.Status.LOST, exit_reason="The worker stopped answering.")
    thread.join(30)

    assert not thread.is_alive() and status == [1]
    assert not _sleeping(seconds)
    build.refresh_from_db()
    assert build.status == Build.Status.LOST  # the reaper's verdict stands
    assert build.exit_reason == "The worker stopped answering."
    assert "no longer recorded as running" in capsys.readouterr().err

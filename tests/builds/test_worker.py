"""Tests of the worker pool: several builds at once, and cancelling what runs when it stops."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from builds import services
from builds.models import Build, BuildLogLine
from builds.worker import WorkerPool

pytestmark = pytest.mark.django_db(transaction=True)

SLEEPER = """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo started", "sleep SECONDS", "echo done"]
  }
}
"""


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_pool_runs_as_many_builds_at_once_as_configured(builder, make_template, quick_worker):
    version = make_template("Sleeper", {"main.pkr.hcl": SLEEPER.replace("SECONDS", "1")})
    first, second = (services.start_build(version, builder, {}) for _ in range(2))
    pool = WorkerPool(2, interval=0.05).start()
    try:
        wait_for(lambda: Build.objects.filter(status=Build.Status.SUCCEEDED).count() == 2)
    finally:
        pool.stop(timeout=10)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.started_at < second.finished_at and second.started_at < first.finished_at


def test_stopping_a_pool_cancels_its_running_builds(builder, make_template, quick_worker):
    version = make_template("Sleeper", {"main.pkr.hcl": SLEEPER.replace("SECONDS", "30")})
    build = services.start_build(version, builder, {})
    pool = WorkerPool(1, interval=0.05).start()
    wait_for(lambda: BuildLogLine.objects.filter(build=build, text="started").exists())

    assert pool.stop("Build was cancelled: its worker is stopping.", timeout=20)

    build.refresh_from_db()
    assert build.status == Build.Status.CANCELLED
    assert build.exit_reason == "Build was cancelled: its worker is stopping."


def test_a_pool_deletes_old_task_results_when_it_starts(quick_worker, settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "TASK_RESULTS_MAX_AGE_DAYS": 14}
    now = timezone.now()
    old, recent = (
        DBTaskResult.objects.create(status=TaskResultStatus.SUCCESSFUL, args_kwargs={"args": [1], "kwargs": {}},
                                    task_path="builds.tasks.run_build", backend_name="default", run_after=now,
                                    finished_at=now - timedelta(days=days))
        for days in (15, 1)
    )
    pool = WorkerPool(1, interval=0.05).start()
    try:
        wait_for(lambda: not DBTaskResult.objects.filter(pk=old.pk).exists())
    finally:
        pool.stop(timeout=10)

    assert DBTaskResult.objects.filter(pk=recent.pk).exists()

"""Tests of marking lost the running builds whose heartbeat stopped."""

from datetime import timedelta

import pytest
from django.utils import timezone

from builds import services
from builds.models import Build, BuildLogLine, BuildStep
from builds.reaper import reap_lost_builds

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(builder, shell_version, quick_worker):
    """Return a function making a running build whose last heartbeat was `age` seconds ago."""

    def make(age: float) -> Build:
        build = services.start_build(shell_version, builder, {})
        beat = timezone.now() - timedelta(seconds=age)
        Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING, started_at=beat, heartbeat_at=beat,
                                                 worker_host="worker-7", last_seq=2, ledger_ids=["run-1-abc"])
        for seq in (1, 2):
            BuildLogLine.objects.create(build=build, seq=seq, time=beat, stream="stdout", text=f"line {seq}")
        BuildStep.objects.create(build=build, source="null.web", name="StepProvision", started_at=beat)
        return build

    return make


def test_a_silent_running_build_is_marked_lost_with_a_last_line(running):
    silent = running(age=5)

    assert reap_lost_builds() == [silent.pk]

    silent.refresh_from_db()
    assert silent.status == Build.Status.LOST and silent.finished_at is not None
    assert silent.last_seq == 3
    last = BuildLogLine.objects.get(build=silent, seq=3)
    assert last.stream == "error"
    assert last.text.startswith("Build lost: its worker on worker-7 stopped reporting (no heartbeat for 5 seconds)")
    assert "run-1-abc" in last.text and "imagehub sweep" in last.text
    assert silent.exit_reason == last.text
    assert BuildStep.objects.get(build=silent).outcome == "interrupted"


def test_builds_with_a_recent_heartbeat_or_not_running_are_left_alone(running, builder, shell_version):
    alive = running(age=0.1)
    queued = services.start_build(shell_version, builder, {})

    assert reap_lost_builds() == []

    assert Build.objects.get(pk=alive.pk).status == Build.Status.RUNNING
    assert Build.objects.get(pk=queued.pk).status == Build.Status.QUEUED


def test_a_build_is_reaped_once(running):
    silent = running(age=5)

    reap_lost_builds()
    assert reap_lost_builds() == []

    assert BuildLogLine.objects.filter(build=silent).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_process_watching_marks_lost_builds_every_heartbeat_on_a_thread_of_its_own(running):
    import time

    from builds import reaper

    silent = running(age=5)
    try:
        thread = reaper.watch()
        assert reaper.watch() is thread and reaper.watching()
        deadline = time.monotonic() + 10
        while Build.objects.get(pk=silent.pk).status != Build.Status.LOST:
            assert time.monotonic() < deadline, "the watch never marked the silent build lost"
            time.sleep(0.05)
        later = running(age=5)  # the next round, a heartbeat (0.2 s) later
        while Build.objects.get(pk=later.pk).status != Build.Status.LOST:
            assert time.monotonic() < deadline, "the watch marked only the first build lost"
            time.sleep(0.05)
    finally:
        reaper.stop_watching()

    assert not thread.is_alive() and not reaper.watching()

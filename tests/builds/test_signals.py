"""Tests of the signals sent when a build starts and when its final status is set."""

import pytest

from builds import runner, services, signals
from builds.models import Build
from builds.reaper import reap_lost_builds

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    """Collect (signal name, build pk, status) of every build signal sent while the test runs."""
    events = []

    def started(sender, build_pk, **fields):
        events.append(("started", build_pk, Build.objects.get(pk=build_pk).status))

    def finished(sender, build_pk, status, **fields):
        events.append(("finished", build_pk, status))

    signals.build_started.connect(started)
    signals.build_finished.connect(finished)
    yield events
    signals.build_started.disconnect(started)
    signals.build_finished.disconnect(finished)


def test_a_build_run_by_a_worker_is_heard_starting_then_finishing(heard, builder, shell_version, quick_worker):
    build = services.start_build(shell_version, builder, {})

    status = runner.execute(build.pk)

    assert heard == [("started", build.pk, Build.Status.RUNNING), ("finished", build.pk, status)]


def test_a_queued_build_cancelled_is_heard_finishing_once(heard, builder, shell_version):
    build = services.start_build(shell_version, builder, {})

    services.cancel_build(build, builder)

    assert heard == [("finished", build.pk, Build.Status.CANCELLED)]


def test_a_build_no_longer_queued_is_not_heard_again(heard, builder, shell_version, quick_worker):
    build = services.start_build(shell_version, builder, {})
    services.cancel_build(build, builder)
    heard.clear()

    runner.execute(build.pk)

    assert heard == []


def test_a_lost_build_is_heard_finishing(heard, builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING, heartbeat_at="2020-01-01T00:00:00Z")

    reap_lost_builds()

    assert heard == [("finished", build.pk, Build.Status.LOST)]


def test_a_failing_receiver_is_logged_and_the_others_still_hear(heard, builder, shell_version, caplog):
    def broken(sender, build_pk, **fields):
        raise RuntimeError("receiver broke")

    signals.build_finished.connect(broken)
    try:
        build = services.start_build(shell_version, builder, {})
        services.cancel_build(build, builder)
    finally:
        signals.build_finished.disconnect(broken)

    assert ("finished", build.pk, Build.Status.CANCELLED) in heard
    assert "receiver broke" in caplog.text
    assert Build.objects.get(pk=build.pk).status == Build.Status.CANCELLED

"""Tests of the build records: builder type filter, masked variables, log lines as websocket messages."""

from datetime import UTC, datetime

import pytest

from builds import services
from builds.models import Build, BuildLogLine

pytestmark = pytest.mark.django_db


def test_builds_are_found_by_any_of_their_builder_types(builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(builder_types=" amazon-ebs docker ")

    assert list(Build.objects.with_builder_type("docker")) == [build]
    assert list(Build.objects.with_builder_type("amazon-ebs")) == [build]
    assert not Build.objects.with_builder_type("amazon").exists()


def test_sensitive_variables_are_shown_masked(builder, shell_version):
    build = services.start_build(shell_version, builder, {"password": "pw-123"})

    assert build.displayed_variables() == {"count": 2, "greeting": "hello", "password": "(sensitive)",
                                           "verbose": True}


def test_stored_lines_read_back_as_the_live_messages(builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    when = datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)
    for seq in (1, 2, 3):
        BuildLogLine.objects.create(build=build, seq=seq, time=when, source="null.web", step="StepConnect",
                                    stream="stdout", text=f"line {seq}")

    messages = BuildLogLine.objects.messages(build, after=1)

    assert messages == [{"seq": seq, "time": when.timestamp(), "source": "null.web", "step": "StepConnect",
                         "stream": "stdout", "text": f"line {seq}"} for seq in (2, 3)]
    assert BuildLogLine.objects.get(build=build, seq=2).message() == messages[0]
    assert BuildLogLine.objects.messages(build, after=0, limit=1)[0]["seq"] == 1

"""Tests of a build as JSON: its summary in the API's list, and its full record (the export and the API's detail)."""

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from builds import services
from builds.models import Artifact, Build, BuildStep
from builds.serializers import build_record, build_summary

pytestmark = pytest.mark.django_db


def test_the_record_holds_build_version_variables_steps_and_artifacts_without_secrets(builder, shell_version):
    build = services.start_build(shell_version, builder, {"password": "pw-in-record"})
    start = timezone.now()
    Build.objects.filter(pk=build.pk).update(status=Build.Status.SUCCEEDED, started_at=start,
                                             finished_at=start + timedelta(seconds=90), worker_host="w1")
    BuildStep.objects.create(build=build, source="null.web", name="StepConnect", started_at=start,
                             finished_at=start + timedelta(seconds=2), outcome="ok")
    Artifact.objects.create(build=build, source="null.web", builder_type="amazon-ebs", artifact_id="us-east-1:ami-1",
                            region_ids={"us-east-1": "ami-1"}, source_image_id="ami-0",
                            files=[{"name": "box", "size": 3, "sha256": "ab", "path": "1/box", "original": "x"}])
    build.refresh_from_db()

    record = build_record(build)

    text = json.dumps(record)
    assert "pw-in-record" not in text
    assert record["status"] == "succeeded" and record["template"] == "shell" and record["version"] == 1
    assert record["duration_seconds"] == 90.0 and record["requested_by"] == "bob" and record["worker_host"] == "w1"
    assert record["template_version"] == {**record["template_version"], "template_name": "Shell", "number": 1}
    assert record["variables"]["password"] == "(sensitive)" and record["variables"]["greeting"] == "hello"
    assert record["steps"][0]["name"] == "StepConnect" and record["steps"][0]["duration_seconds"] == 2.0
    assert record["steps"][0]["started_at"] == start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    [artifact] = record["artifacts"]
    assert artifact["region_ids"] == {"us-east-1": "ami-1"} and artifact["source_image_id"] == "ami-0"
    assert artifact["files"] == [{"name": "box", "size": 3, "sha256": "ab"}]


def test_the_summary_is_the_records_beginning(builder, shell_version):
    build = services.start_build(shell_version, builder, {})

    summary = build_summary(build)

    assert build_record(build) == {**build_record(build), **summary}
    assert list(build_record(build))[:len(summary)] == list(summary)
    assert summary["duration_seconds"] is None and summary["started_at"] is None

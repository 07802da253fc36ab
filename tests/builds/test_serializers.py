"""Tests of a build's full record as JSON."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from builds import services
from builds.models import Artifact, Build, BuildStep
from builds.serializers import build_record

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
    assert record["status"] == "succeeded"
    assert record["build"]["duration_seconds"] == 90.0 and record["build"]["requested_by"] == "bob"
    assert record["version"] == {**record["version"], "template": "Shell", "number": 1}
    assert record["variables"]["password"] == "(sensitive)" and record["variables"]["greeting"] == "hello"
    assert record["steps"][0]["name"] == "StepConnect" and record["steps"][0]["duration_seconds"] == 2.0
    assert record["artifacts"][0]["region_ids"] == {"us-east-1": "ami-1"}
    assert record["artifacts"][0]["files"] == [{"name": "box", "size": 3, "sha256": "ab", "path": "1/box"}]

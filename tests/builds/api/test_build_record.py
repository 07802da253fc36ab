"""A build's full record is one answer: the build page's JSON export equals GET /api/v1/builds/<id>/, and the
OpenAPI schema names every key of it, of a build in the list and of an artifact, no more and no fewer."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from builds import revocation, services
from builds.models import Artifact, Build, BuildStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(shell_version, builder):
    """A finished Shell build with a secret among its variables, a worker host, two steps and an artifact."""
    build = services.start_build(shell_version, builder, {"password": "pw-not-shown", "count": "4"})
    start = timezone.now() - timedelta(minutes=5)
    Build.objects.filter(pk=build.pk).update(
        status=Build.Status.FAILED, started_at=start, finished_at=start + timedelta(seconds=75), worker_host="w7",
        exit_reason="Script exited with non-zero exit status: 2", ledger_ids=["b-1"], current_step="StepProvision")
    BuildStep.objects.create(build=build, source="null.web", name="StepConnect", started_at=start,
                             finished_at=start + timedelta(seconds=3), outcome="ok")
    BuildStep.objects.create(build=build, source="null.web", name="StepProvision",
                             started_at=start + timedelta(seconds=3), finished_at=start + timedelta(seconds=74.5),
                             outcome="error")
    Artifact.objects.create(build=build, source="null.web", builder_type="amazon-ebs", builder_id="mitchellh.amazonebs",
                            artifact_id="us-east-1:ami-1,eu-west-1:ami-2", description="AMIs were created",
                            region_ids={"us-east-1": "ami-1", "eu-west-1": "ami-2"}, source_image_id="ami-0",
                            files=[{"name": "web.box", "size": 13, "sha256": "c0ffee", "path": f"{build.pk}/web.box"}],
                            metadata={"amis": {"us-east-1": "ami-1"}})
    return build


def _export(user, build) -> dict:
    browser = Client()
    browser.force_login(user)
    response = browser.get(f"/builds/{build.pk}/build.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_export_is_exactly_the_apis_answer_for_the_build(api, tokens, role_users, recorded):
    exported = _export(role_users["viewer"], recorded)
    status, answer = api.get(f"builds/{recorded.pk}/", tokens["viewer"])

    assert status == 200
    assert exported == answer
    assert "pw-not-shown" not in json.dumps(exported)
    assert exported["variables"] == {"count": 4, "greeting": "hello", "password": "(sensitive)", "verbose": True}
    assert exported["worker_host"] == "w7" and exported["exit_reason"].startswith("Script exited")
    assert exported["ledger_ids"] == ["b-1"] and exported["duration_seconds"] == 75.0
    assert [(step["name"], step["duration_seconds"]) for step in exported["steps"]] == [
        ("StepConnect", 3.0), ("StepProvision", 71.5)]
    [artifact] = exported["artifacts"]
    assert artifact["region_ids"] == {"us-east-1": "ami-1", "eu-west-1": "ami-2"}
    assert artifact["files"] == [{"name": "web.box", "size": 13, "sha256": "c0ffee"}]
    assert artifact["source_image_id"] == "ami-0"


def test_an_artifact_in_the_record_is_the_apis_artifact_with_its_lineage(api, tokens, role_users, world):
    build = world["first"]

    exported = _export(role_users["viewer"], build)

    assert exported == api.get(f"builds/{build.pk}/", tokens["viewer"])[1]
    assert exported["artifacts"] == [api.get(f"artifacts/{world['artifact'].pk}/", tokens["viewer"])[1]]
    assert [image["id"] for image in exported["artifacts"][0]["images"]] == [world["image"].pk]


def test_an_artifacts_images_show_their_revocation_in_the_record_and_the_api(api, tokens, role_users, world,
                                                                             builder):
    revocation.revoke(world["image"], builder, "bad kernel")

    exported = _export(role_users["viewer"], world["first"])
    answer = api.get(f"artifacts/{world['artifact'].pk}/", tokens["viewer"])[1]

    assert exported["artifacts"] == [answer]
    [image] = answer["images"]
    assert (image["id"], image["status"]) == (world["image"].pk, "revoked") and "bad kernel" in image["status_reason"]
    assert image["revoke_at"] is not None
    listed = api.get(f"builds/{world['first'].pk}/artifacts/", tokens["viewer"])[1]["results"]
    assert listed[0]["images"][0]["status"] == "revoked"


def _schema_of(schema: dict, operation_id: str, status: str = "200") -> dict:
    for item in schema["paths"].values():
        for operation in item.values():
            if operation.get("operationId") == operation_id:
                return operation["responses"][status]["content"]["application/json"]["schema"]
    raise AssertionError(f"the schema has no operation {operation_id}")


def _resolve(node: dict, schema: dict) -> dict:
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            return node


def _described_keys_differ(value, node: dict, schema: dict, where: str) -> list[str]:
    """Where `value` has keys its schema `node` does not name, or lacks keys it names (empty when none)."""
    node = _resolve(node, schema)
    if isinstance(value, dict) and "properties" in node:
        named = set(node["properties"])
        found = [f"{where}: answered {sorted(set(value) - named)}, described {sorted(named - set(value))}"] \
            if set(value) != named else []
        for key in set(value) & named:
            found += _described_keys_differ(value[key], node["properties"][key], schema, f"{where}.{key}")
        return found
    if isinstance(value, list) and "items" in node:
        return [problem for index, item in enumerate(value)
                for problem in _described_keys_differ(item, node["items"], schema, f"{where}[{index}]")]
    return []


def test_the_schema_names_every_key_of_a_build_a_listed_build_and_an_artifact(api, client, tokens, recorded, world):
    schema = client.get("/api/v1/schema/?format=json").json()
    detail = api.get(f"builds/{recorded.pk}/", tokens["viewer"])[1]
    listed = api.get("builds/", tokens["viewer"])[1]
    artifact = api.get(f"artifacts/{world['artifact'].pk}/", tokens["viewer"])[1]

    problems = (_described_keys_differ(detail, _schema_of(schema, "getBuild"), schema, "getBuild")
                + _described_keys_differ(listed, _schema_of(schema, "listBuilds"), schema, "listBuilds")
                + _described_keys_differ(artifact, _schema_of(schema, "getArtifact"), schema, "getArtifact"))

    assert detail["steps"] and detail["artifacts"] and listed["results"]
    assert problems == []

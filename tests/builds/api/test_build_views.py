"""The API's builds: the list with its filters, starting a build through the service (every problem a 400 naming
its field), a build with its steps, cancelling, log lines after a number in pages, and artifacts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from builds.models import BuildLogLine, BuildStep

pytestmark = pytest.mark.django_db


def test_a_builder_starts_a_build_and_reads_it_back_with_masked_values(api, tokens, shell_version):
    status, build = api.post("builds/", {"template": "shell", "variables": {"count": "3", "password": "hunter2"},
                                         "on_error": "abort"}, tokens["builder"])

    assert status == 201 and api.last_response["Location"] == f"/api/v1/builds/{build['id']}/"
    assert build["status"] == "queued" and build["template"] == "shell" and build["version"] == 1
    assert build["requested_by"] == "builder-user" and build["on_error"] == "abort"
    assert build["variables"] == {"count": 3, "greeting": "hello", "password": "(sensitive)", "verbose": True}
    assert build["sources"] == ["null.web"] and build["only"] == [] and build["except"] == []
    assert api.get(f"builds/{build['id']}/", tokens["viewer"]) == (200, build)


def test_start_problems_are_400s_naming_the_field(api, tokens, shell_version):
    status, answer = api.post("builds/", {"template": "shell", "variables": {"count": "many"}}, tokens["builder"])
    assert status == 400 and list(answer["errors"]) == ["variables"] and "count" in answer["errors"]["variables"]
    assert answer["detail"].startswith("The request has errors: variables.count: ")

    status, answer = api.post("builds/", {"template": "shell", "variables": {"colour": "red"}}, tokens["builder"])
    assert status == 400 and answer["detail"] == "The request has errors: The template declares no variable 'colour'."

    status, answer = api.post("builds/", {"template": "shell", "on_error": "panic"}, tokens["builder"])
    assert status == 400 and list(answer["errors"]) == ["on_error"]

    status, answer = api.post("builds/", {"template": "shell", "only": ["null.web"], "except": ["null.web"]},
                              tokens["builder"])
    assert status == 400 and "not both" in answer["detail"]

    status, answer = api.post("builds/", {"variables": {}}, tokens["builder"])
    assert status == 400 and answer["errors"] == {"template": ["This field is required."]}

    assert api.post("builds/", {"template": "shell", "version": 4}, tokens["builder"]) == (
        404, {"detail": 'Template "shell" has no version 4.'})


def test_the_build_list_filters_by_status_and_template_and_refuses_an_unknown_status(api, tokens, world):
    status, page = api.get("builds/", tokens["viewer"])
    assert status == 200 and page["count"] == 3

    assert [b["id"] for b in api.get("builds/?status=queued", tokens["viewer"])[1]["results"]] == [
        world["queued"].pk]
    assert {b["id"] for b in api.get("builds/?template=golden-base", tokens["viewer"])[1]["results"]} == {
        world["first"].pk, world["second"].pk}
    status, answer = api.get("builds/?status=done", tokens["viewer"])
    assert status == 400 and answer["errors"]["status"] == [
        '"done" is not a build status: use one of queued, running, succeeded, failed, cancelled, lost.']
    assert api.get("builds/?template=nothing", tokens["viewer"])[0] == 404


def test_a_build_shows_its_steps_and_artifacts(api, tokens, world):
    build = world["first"]
    start = timezone.now()
    BuildStep.objects.create(build=build, source="amazon-ebs.web", name="StepKeyPair", started_at=start,
                             finished_at=start + timedelta(seconds=2), outcome="ok")

    status, answer = api.get(f"builds/{build.pk}/", tokens["viewer"])

    assert status == 200 and answer["status"] == "succeeded"
    assert answer["steps"] == [{"source": "amazon-ebs.web", "name": "StepKeyPair", "phase": "run",
                                "started_at": answer["steps"][0]["started_at"],
                                "finished_at": answer["steps"][0]["finished_at"], "duration_seconds": 2.0,
                                "outcome": "ok"}]
    assert answer["artifacts"] == [api.get(f"artifacts/{world['artifact'].pk}/", tokens["viewer"])[1]]
    assert answer["template_version"]["template_name"] == "Golden Base" and answer["template_version"]["number"] == 1
    assert {"worker_host", "exit_reason", "ledger_ids", "recorded_from_cli", "cancel_requested_at"} <= set(answer)


def test_cancelling_a_queued_build_ends_it_and_cancelling_again_is_a_409(api, tokens, world):
    path = f"builds/{world['queued'].pk}/cancel/"

    status, answer = api.post(path, token=tokens["builder"])
    assert status == 202 and answer["status"] == "cancelled" and answer["cancel_requested_at"]

    status, answer = api.post(path, token=tokens["builder"])
    assert status == 409 and answer == {"detail": f"Build #{world['queued'].pk} is already cancelled."}
    assert api.post("builds/999/cancel/", token=tokens["builder"]) == (404, {"detail": "ImageHub has no build #999."})


@pytest.fixture
def logged(world):
    """The first Golden Base build with five stored log lines."""
    build = world["first"]
    now = timezone.now()
    BuildLogLine.objects.bulk_create(BuildLogLine(build=build, seq=seq, time=now, stream="stdout", text=f"line {seq}")
                                     for seq in range(1, 6))
    build.last_seq = 5
    build.save(update_fields=["last_seq"])
    return build


def test_log_lines_come_after_a_number_in_pages_until_the_final_one(api, tokens, logged):
    path = f"builds/{logged.pk}/log/"

    status, page = api.get(path + "?after=0&limit=2", tokens["viewer"])
    assert status == 200 and [line["text"] for line in page["lines"]] == ["line 1", "line 2"]
    assert page["last_seq"] == 2 and page["final"] is False and page["status"] == "succeeded"
    assert set(page["lines"][0]) == {"seq", "time", "source", "step", "stream", "text"}

    status, page = api.get(path + f"?after={page['last_seq']}&limit=10", tokens["viewer"])
    assert [line["seq"] for line in page["lines"]] == [3, 4, 5] and page["last_seq"] == 5 and page["final"] is True

    status, page = api.get(path + "?after=5", tokens["viewer"])
    assert page["lines"] == [] and page["last_seq"] == 5 and page["final"] is True


def test_a_running_builds_log_is_not_final_even_when_caught_up(api, tokens, logged):
    logged.status = "running"
    logged.save(update_fields=["status"])

    status, page = api.get(f"builds/{logged.pk}/log/?after=3", tokens["viewer"])

    assert [line["seq"] for line in page["lines"]] == [4, 5] and page["final"] is False


def test_bad_log_parameters_are_400s_naming_the_parameter(api, tokens, logged):
    path = f"builds/{logged.pk}/log/"

    assert api.get(path + "?after=abc", tokens["viewer"]) == (400, {
        "detail": 'The request has errors: after: "abc" is not a whole number.',
        "errors": {"after": ['"abc" is not a whole number.']}})
    status, answer = api.get(path + "?limit=0", tokens["viewer"])
    assert status == 400 and answer["errors"]["limit"] == ["0 is out of range: give a number from 1 to 5000."]
    assert api.get("builds/999/log/", tokens["viewer"]) == (404, {"detail": "ImageHub has no build #999."})


def test_artifacts_list_their_images_files_and_source_image(api, tokens, world):
    artifact = world["artifact"]
    artifact.files = [{"name": "manifest.json", "size": 10, "sha256": "ab", "path": "/srv/secret/place"}]
    artifact.save(update_fields=["files"])

    status, listed = api.get(f"builds/{world['first'].pk}/artifacts/", tokens["viewer"])
    assert status == 200 and listed["count"] == 1
    status, answer = api.get(f"artifacts/{artifact.pk}/", tokens["viewer"])

    assert answer == listed["results"][0]
    assert answer["files"] == [{"name": "manifest.json", "size": 10, "sha256": "ab"}]
    assert answer["source_image_id"] == "ami-0ubuntu0000000001" and answer["images"] == [
        {"id": world["image"].pk, "image_id": world["image"].image_id, "region": "us-east-1", "status": "current",
         "status_reason": "", "revoke_at": None}]
    assert answer["region_ids"] == {"us-east-1": world["image"].image_id}
    assert api.get("artifacts/999/", tokens["viewer"]) == (404, {"detail": "ImageHub has no artifact 999."})

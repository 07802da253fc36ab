"""Tests of the build services: starting with checked variables, cancelling, rebuilding, continuing, queueing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from builds import secrets, services
from builds.models import Build, BuildLogLine

pytestmark = pytest.mark.django_db


def test_a_build_is_queued_as_a_task_with_its_values_recorded(builder, shell_version):
    build = services.start_build(shell_version, builder, {"greeting": "hi", "count": "3", "password": "pw-123"})

    assert build.status == Build.Status.QUEUED
    assert build.requested_by == builder and build.template == shell_version.template
    assert build.variables == {"greeting": "hi", "count": 3, "verbose": True}
    assert build.sensitive_names == ["password"]
    assert "pw-123" not in build.sensitive_variables
    assert secrets.decrypt(build.sensitive_variables) == {"password": "pw-123"}
    assert set(build.given_names) == {"greeting", "count", "password", "verbose"}
    assert build.sources == ["null.web"] and build.builder_types == " null "
    task = DBTaskResult.objects.get(id=build.task_id)
    assert task.task_path == "builds.tasks.run_build"
    assert task.args_kwargs == {"args": [build.pk], "kwargs": {}}


def test_one_click_with_the_defaults_builds(builder, shell_version):
    build = services.start_build(shell_version, builder, {})

    assert build.variables == {"greeting": "hello", "count": 2, "verbose": True}
    assert build.sensitive_variables == ""
    assert build.displayed_variables()["password"] == "(sensitive)"


def test_values_are_checked_as_the_launch_form_checks_them(builder, shell_version):
    with pytest.raises(ValidationError) as caught:
        services.start_build(shell_version, builder, {"count": "many"})

    assert "count" in caught.value.message_dict
    assert Build.objects.count() == 0


def test_undeclared_variables_are_refused_by_name(builder, shell_version):
    with pytest.raises(ValidationError, match="no variable 'colour'"):
        services.start_build(shell_version, builder, {"colour": "red"})


def test_a_required_variable_must_be_given(builder, make_template):
    version = make_template("Needs", {"main.pkr.hcl": 'variable "region" {\n  type = string\n}\n'
                                      'source "null" "a" {\n  communicator = "none"\n}\n'
                                      'build {\n  sources = ["source.null.a"]\n}\n'})

    with pytest.raises(ValidationError) as caught:
        services.start_build(version, builder, {})

    assert caught.value.message_dict["region"] == ["This variable has no default; give it a value."]
    assert services.start_build(version, builder, {"region": "eu-west-1"}).variables == {"region": "eu-west-1"}


@pytest.mark.parametrize(("options", "message"), [
    ({"on_error": "ask"}, "not an on-error policy"),
    ({"only": ["null.web"], "except_": ["null.web"]}, "not both"),
    ({"only": ["docker.*"]}, "leave nothing to build"),
    ({"preset": "prod.pkrvars.hcl"}, "no variables file"),
])
def test_build_options_are_checked(builder, shell_version, options, message):
    with pytest.raises(ValidationError, match=message):
        services.start_build(shell_version, builder, {}, **options)


def test_a_viewer_may_not_start_or_cancel_builds(viewer, builder, shell_version):
    with pytest.raises(PermissionDenied):
        services.start_build(shell_version, viewer, {})
    build = services.start_build(shell_version, builder, {})
    with pytest.raises(PermissionDenied):
        services.cancel_build(build, viewer)


def test_cancelling_a_queued_build_ends_it_at_once_with_a_log_line(builder, shell_version):
    build = services.start_build(shell_version, builder, {})

    build = services.cancel_build(build, builder)

    assert build.status == Build.Status.CANCELLED and build.finished_at is not None
    assert build.cancel_requested_by == builder and build.last_seq == 1
    assert list(BuildLogLine.objects.filter(build=build).values_list("seq", "text")) == [
        (1, "Build was cancelled by bob before it started.")]


def test_cancelling_a_running_build_asks_its_worker(builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING)

    build = services.cancel_build(build, builder)

    assert build.status == Build.Status.RUNNING
    assert build.cancel_requested_at is not None and build.cancel_requested_by == builder


def test_a_finished_build_cannot_be_cancelled(builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(status=Build.Status.SUCCEEDED)

    with pytest.raises(ValidationError, match="already succeeded"):
        services.cancel_build(build, builder)


def test_a_rebuild_repeats_the_version_and_the_given_values(builder, shell_version):
    first = services.start_build(shell_version, builder, {"greeting": "hi", "password": "pw-123"},
                                 on_error="abort")

    again = services.rebuild(first, builder)

    assert again.rebuild_of == first and again.template_version == shell_version
    assert again.variables == first.variables and again.on_error == "abort"
    assert secrets.decrypt(again.sensitive_variables) == {"password": "pw-123"}


def test_a_rebuild_with_the_latest_version_drops_values_it_no_longer_declares(builder, shell_version):
    from imagehub import catalog

    first = services.start_build(shell_version, builder, {"greeting": "hi", "count": "5"})
    text = shell_version.file_texts()["main.pkr.hcl"]
    newer = text.replace('variable "count" {\n  type    = number\n  default = 2\n}\n', "").replace(
        " ${var.count}", "")
    saved = catalog.save_version(shell_version.template, files={"main.pkr.hcl": newer}, author=builder,
                                 message="No count", base_number=1).version

    again = services.rebuild(first, builder, latest=True)

    assert again.template_version == saved
    assert again.variables == {"greeting": "hi", "verbose": True}


def test_continue_needs_a_paused_build(builder, shell_version):
    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING)
    with pytest.raises(ValidationError, match="not waiting at a breakpoint"):
        services.continue_breakpoint(build, builder)

    Build.objects.filter(pk=build.pk).update(paused_at="2026-01-01T00:00:00Z")
    assert services.continue_breakpoint(build, builder).continue_requested_at is not None


def test_queue_positions_count_the_builds_waiting_before(builder, shell_version):
    first, second, third = (services.start_build(shell_version, builder, {}) for _ in range(3))
    Build.objects.filter(pk=first.pk).update(status=Build.Status.RUNNING)

    assert services.queue_position(first) is None
    assert services.queue_position(second) == 1
    assert services.queue_position(third) == 2

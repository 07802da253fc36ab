"""Tests of running cascades: the first level queued at start, the next when its parents succeed, failures skipping
what is below them, cancelling, permissions, and advancing that is safe to repeat and to race."""

import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from builds import cascades, lineage, revocation, signals
from builds.cascade_models import Cascade, CascadeStep
from builds.models import Artifact, Build
from tests.builds.test_cascade_plan import NULL_TEMPLATE, UBUNTU

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_template, make_ami_build, image_of):
    """base → middle → app built once, then a new base build: the images and builds, by name."""
    versions = {name: make_template(name, {"main.pkr.hcl": NULL_TEMPLATE}) for name in ("base", "middle", "app")}
    old_base = make_ami_build(versions["base"], UBUNTU)
    middle = make_ami_build(versions["middle"], image_of(old_base).image_id)
    app = make_ami_build(versions["app"], image_of(middle).image_id)
    new_base = make_ami_build(versions["base"], UBUNTU)
    return {"old_base": old_base, "middle": middle, "app": app, "new_base": new_base}


def finish(build: Build, status: str = Build.Status.SUCCEEDED, source_ami: str = "") -> None:
    """End `build` as a worker would: its image (built from `source_ami`) recorded, then build_finished sent."""
    if status == Build.Status.SUCCEEDED:
        ami = f"ami-{uuid.uuid4().hex[:17]}"
        Artifact.objects.create(build=build, source="null.a", builder_type="amazon-ebs", artifact_id=ami,
                                region_ids={"us-east-1": ami}, source_image_id=source_ami,
                                metadata={"source_ami": {"id": source_ami},
                                          "generated_data": {"BuildRegion": "us-east-1"}})
        lineage.record_build(build)
    Build.objects.filter(pk=build.pk).update(status=status, finished_at=timezone.now())
    signals.send(signals.build_finished, build.pk, status=status)


def states(cascade: Cascade) -> list[tuple[str, str]]:
    return [(step.template.name, step.status) for step in cascade.steps.select_related("template")]


def step(cascade: Cascade, name: str) -> CascadeStep:
    return cascade.steps.select_related("build").get(template__name=name)


def test_starting_queues_the_first_level_with_the_latest_version_and_the_previous_values(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)

    assert cascade.status == Cascade.Status.RUNNING and cascade.started_by == builder
    assert cascade.trigger_build == chain["new_base"] and cascade.template == chain["new_base"].template
    assert states(cascade) == [("middle", "queued"), ("app", "waiting")]
    queued = step(cascade, "middle").build
    assert queued.rebuild_of == chain["middle"] and queued.status == Build.Status.QUEUED
    assert queued.requested_by == builder
    assert list(step(cascade, "app").waits_for.all()) == [step(cascade, "middle")]


def test_a_step_is_queued_once_its_parent_succeeds_and_the_cascade_succeeds_after_the_last(chain, builder,
                                                                                            image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build

    finish(middle, source_ami=image_of(chain["new_base"]).image_id)
    assert states(cascade) == [("middle", "succeeded"), ("app", "queued")]
    app = step(cascade, "app").build
    assert app.rebuild_of == chain["app"]
    finish(app, source_ami=image_of(middle).image_id)

    cascade.refresh_from_db()
    assert cascade.status == Cascade.Status.SUCCEEDED and cascade.finished_at is not None
    assert [item.warning for item in cascade.steps.all()] == ["", ""]


def test_a_step_shows_its_build_running_once_a_worker_has_claimed_it(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build

    Build.objects.filter(pk=middle.pk).update(status=Build.Status.RUNNING, started_at=timezone.now())
    signals.send(signals.build_started, middle.pk)
    assert states(cascade) == [("middle", "running"), ("app", "waiting")]
    finish(middle, source_ami=image_of(chain["new_base"]).image_id)
    assert states(cascade) == [("middle", "succeeded"), ("app", "queued")]


def test_a_duplicate_signal_or_a_repeated_advance_queues_nothing_more(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build
    finish(middle, source_ami=image_of(chain["new_base"]).image_id)
    before = Build.objects.count()

    signals.send(signals.build_finished, middle.pk, status=Build.Status.SUCCEEDED)
    cascades.advance(cascade.pk)
    cascades.advance(cascade.pk)

    assert Build.objects.count() == before
    assert states(cascade) == [("middle", "succeeded"), ("app", "queued")]


def test_a_failed_build_skips_the_steps_below_it_and_fails_the_cascade(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)

    finish(step(cascade, "middle").build, Build.Status.FAILED)

    cascade.refresh_from_db()
    assert states(cascade) == [("middle", "failed"), ("app", "skipped")]
    assert step(cascade, "app").reason == ("Skipped: the rebuild of middle failed, so it has no new image to start "
                                           "from.")
    assert step(cascade, "app").build is None
    assert cascade.status == Cascade.Status.FAILED and cascade.finished_at is not None


def test_a_lost_build_fails_its_step_with_the_reason(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build

    finish(middle, Build.Status.LOST)

    assert step(cascade, "middle").reason == f"Build #{middle.pk} was lost: its worker stopped answering."
    assert states(cascade) == [("middle", "failed"), ("app", "skipped")]


def test_a_new_image_not_built_from_its_parents_new_image_gets_a_warning(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build

    finish(middle, source_ami=image_of(chain["old_base"]).image_id)

    warning = step(cascade, "middle").warning
    assert warning.startswith(f"Its new image {image_of(middle).image_id} was built from base "
                              f"#{chain['old_base'].pk} ({image_of(chain['old_base']).image_id}), not from the image "
                              f"the cascade started from (build #{chain['new_base'].pk})")
    assert states(cascade) == [("middle", "succeeded"), ("app", "queued")]


def test_cancelling_cancels_the_queued_builds_and_skips_the_waiting_steps(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build

    cascades.cancel(cascade, builder)

    cascade.refresh_from_db()
    assert cascade.status == Cascade.Status.CANCELLED and cascade.cancelled_by == builder
    assert Build.objects.get(pk=middle.pk).status == Build.Status.CANCELLED
    assert states(cascade) == [("middle", "cancelled"), ("app", "skipped")]
    assert step(cascade, "app").reason == "The cascade was cancelled by bob."
    with pytest.raises(ValidationError, match=f"Cascade #{cascade.pk} is already cancelled"):
        cascades.cancel(cascade, builder)


def test_a_running_build_of_a_cancelled_cascade_is_asked_to_stop_and_its_end_queues_nothing(chain, builder,
                                                                                              image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build
    Build.objects.filter(pk=middle.pk).update(status=Build.Status.RUNNING)

    cascades.cancel(cascade, builder)
    assert Build.objects.get(pk=middle.pk).cancel_requested_by == builder
    finish(middle, source_ami=image_of(chain["new_base"]).image_id)

    assert states(cascade) == [("middle", "succeeded"), ("app", "skipped")]
    assert Build.objects.filter(rebuild_of=chain["app"]).count() == 0


def test_a_viewer_may_neither_start_nor_cancel_a_cascade(chain, builder, viewer, image_of):
    with pytest.raises(PermissionDenied):
        cascades.start(image_of(chain["new_base"]), viewer)
    assert not Cascade.objects.exists()
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    with pytest.raises(PermissionDenied):
        cascades.cancel(cascade, viewer)
    assert Cascade.objects.get().status == Cascade.Status.RUNNING


def test_a_cascade_from_an_image_nothing_was_built_from_is_refused(chain, builder, image_of):
    with pytest.raises(ValidationError, match="Nothing was built from the images of app"):
        cascades.start(image_of(chain["app"]), builder)


def test_a_step_whose_build_cannot_be_queued_fails_with_the_reason_and_skips_below(chain, builder, image_of,
                                                                                   make_user):
    from imagehub.roles import Role

    leaving = make_user("lena", Role.BUILDER)
    cascade = cascades.start(image_of(chain["new_base"]), leaving)
    leaving.groups.clear()
    middle = step(cascade, "middle").build
    finish(middle, source_ami=image_of(chain["new_base"]).image_id)

    assert states(cascade) == [("middle", "succeeded"), ("app", "failed")]
    assert step(cascade, "app").reason.startswith("Its build could not be queued: Your account may not start builds")
    assert Cascade.objects.get(pk=cascade.pk).status == Cascade.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_workers_finishing_builds_at_once_queue_the_next_step_once(make_template, make_ami_build, image_of,
                                                                       builder):
    versions = {name: make_template(name, {"main.pkr.hcl": NULL_TEMPLATE}) for name in ("base", "left", "right",
                                                                                         "top")}
    base = make_ami_build(versions["base"], UBUNTU)
    left = make_ami_build(versions["left"], image_of(base).image_id)
    right = make_ami_build(versions["right"], image_of(base).image_id)
    top = make_ami_build(versions["top"], image_of(left).image_id)
    from tests.builds.test_cascade_plan import add_image

    add_image(top, image_of(right).image_id)
    cascade = cascades.start(image_of(base), builder)
    for name in ("left", "right"):
        finish_build = step(cascade, name).build
        Artifact.objects.create(build=finish_build, source="null.a", builder_type="amazon-ebs",
                                artifact_id=f"ami-{name}", region_ids={"us-east-1": f"ami-{name}"},
                                metadata={"source_ami": {"id": image_of(base).image_id}})
        lineage.record_build(finish_build)
        Build.objects.filter(pk=finish_build.pk).update(status=Build.Status.SUCCEEDED)
    barrier = threading.Barrier(4)
    errors = []

    def worker(build_pk: int) -> None:
        try:
            barrier.wait()
            signals.send(signals.build_finished, build_pk, status=Build.Status.SUCCEEDED)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(step(cascade, name).build_id,))
               for name in ("left", "right", "left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert states(cascade) == [("left", "succeeded"), ("right", "succeeded"), ("top", "queued")]
    assert Build.objects.filter(rebuild_of=top).count() == 1


def test_a_second_cascade_from_the_same_template_waits_for_the_first_to_end(chain, builder, image_of):
    first = cascades.start(image_of(chain["new_base"]), builder)

    with pytest.raises(ValidationError, match=f"Cascade #{first.pk} from base is still running"):
        cascades.start(image_of(chain["new_base"]), builder)
    cascades.cancel(first, builder)
    second = cascades.start(image_of(chain["new_base"]), builder)

    assert second.status == Cascade.Status.RUNNING and Cascade.objects.count() == 2


def test_after_a_revocation_a_step_is_expected_to_start_from_an_image_of_the_template_still_valid(
        chain, builder, image_of):
    revocation.revoke(image_of(chain["new_base"]), builder, "bad kernel")
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    assert cascade.trigger_revoked
    middle = step(cascade, "middle").build

    finish(middle, source_ami=image_of(chain["old_base"]).image_id)

    assert step(cascade, "middle").warning == ""
    cascades.cancel(cascade, builder)
    again = cascades.start(image_of(chain["new_base"]), builder)
    finish(step(again, "middle").build, source_ami=image_of(chain["new_base"]).image_id)
    assert "not from an image of the cascade's template that is not revoked" in step(again, "middle").warning


def test_a_build_the_reaper_marks_lost_ends_its_step_and_the_cascade(chain, builder, image_of, quick_worker):
    from datetime import timedelta

    from builds import reaper

    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build
    Build.objects.filter(pk=middle.pk).update(status=Build.Status.RUNNING,
                                              heartbeat_at=timezone.now() - timedelta(minutes=5))

    assert reaper.reap_lost_builds() == [middle.pk]

    assert states(cascade) == [("middle", "failed"), ("app", "skipped")]
    assert Cascade.objects.get(pk=cascade.pk).status == Cascade.Status.FAILED


def test_a_cascade_whose_signal_was_missed_is_advanced_by_the_maintenance_catch_up(chain, builder, image_of):
    cascade = cascades.start(image_of(chain["new_base"]), builder)
    middle = step(cascade, "middle").build
    Build.objects.filter(pk=middle.pk).update(status=Build.Status.SUCCEEDED, finished_at=timezone.now())
    assert states(cascade) == [("middle", "queued"), ("app", "waiting")]

    assert cascades.advance_stalled() == [cascade.pk]

    assert states(cascade) == [("middle", "succeeded"), ("app", "queued")]
    assert cascades.advance_stalled() == []

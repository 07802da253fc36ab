"""Running cascade rebuilds: start one from its plan, advance it as its builds end, cancel it.

- `start(node, user)` records the plan of `builds.cascade_plan` as a
  `Cascade` with its steps and queues the first level through
  `services.rebuild(previous, user, latest=True)` (the template's latest
  version with the values the previous build was given). Raises
  PermissionDenied without the permission to start builds, ValidationError
  when nothing was built from the image or a cascade from its template is
  still running.
- `advance(cascade_pk)` brings a cascade up to date with its builds: a
  step takes its build's status; when every step a waiting step waits for
  has succeeded, its build is queued (as the user who started the cascade);
  the steps below one that failed, was cancelled or lost are skipped with
  the reason; the cascade ends when nothing is left to run (succeeded when
  every step did, failed otherwise). It reads the state from the database
  and holds the cascade's row lock (SELECT ... FOR UPDATE on PostgreSQL; on
  SQLite transactions take the write lock at once), so calling it twice, or
  from two workers at once, changes nothing more than calling it once.
  `on_build_finished` calls it for the `build_finished` signal (connected in
  builds.apps), which every end of a build sends, the reaper's `lost` too;
  `on_build_started` for `build_started`, so a step shows its build running.
  `advance_stalled()` catches up the cascades whose signal was missed.
- `cancel(cascade, user)` ends a cascade: the steps still waiting are
  skipped, queued and running builds cancelled. Raises PermissionDenied
  without the permission to cancel builds, ValidationError when it is over.
- When a step's build succeeds, its images' parents are checked: a new
  image not built from the new image of a template it waits for gets a
  warning on the step, since the template picks its source image itself.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from builds import cascade_plan, services
from builds.cascade_models import Cascade, CascadeStep
from builds.lineage_models import ImageNode
from builds.models import Build
from imagehub.roles import CONTROL_BUILDS, START_BUILDS

logger = logging.getLogger(__name__)

Step = CascadeStep.Status
STEP_OF_BUILD = {
    Build.Status.QUEUED: Step.QUEUED,
    Build.Status.RUNNING: Step.RUNNING,
    Build.Status.SUCCEEDED: Step.SUCCEEDED,
    Build.Status.FAILED: Step.FAILED,
    Build.Status.CANCELLED: Step.CANCELLED,
    Build.Status.LOST: Step.FAILED,
}


def _require(user, permission: str, action: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"Your account may not {action}; ask an administrator for the builder role.")


def start(node: ImageNode, user) -> Cascade:
    """Record the cascade rebuilding what was built from `node`'s template and queue its first level."""
    _require(user, START_BUILDS, "start builds")
    plan = cascade_plan.plan_for(node)
    if not plan.steps:
        raise ValidationError(f"Nothing was built from the images of {_trigger_name(node)}: there is nothing to "
                              "rebuild.")
    missing = [step.template.name for step in plan.steps if step.version is None]
    if missing:
        raise ValidationError(f"{', '.join(missing)} has no version to build.")
    running = Cascade.objects.filter(template_id=node.template_id, status__in=Cascade.UNFINISHED).first() \
        if node.template_id else None
    if running is not None:
        raise ValidationError(f"{running} from {node.template.name} is still running: wait for it to end, or "
                              "cancel it, before starting another.")
    with transaction.atomic():
        cascade = Cascade.objects.create(trigger_image=node, trigger_build_id=node.build_id,
                                         template_id=node.template_id, trigger_revoked=node.is_revoked(),
                                         started_by=user)
        steps = {}
        for position, planned in enumerate(plan.steps, start=1):
            steps[planned.template.pk] = CascadeStep.objects.create(
                cascade=cascade, template=planned.template, previous_build=planned.previous,
                version=planned.version, level=planned.level, position=position,
                starts_from=planned.starts_from, warning=planned.warning)
        for planned in plan.steps:
            parents = [steps[parent.pk] for parent in planned.parents if parent.pk in steps]
            if parents:
                steps[planned.template.pk].waits_for.set(parents)
        advance(cascade.pk)  # the first level is queued with the cascade, or nothing is
    cascade.refresh_from_db()
    return cascade


def on_build_started(sender, build_pk: int, **kwargs) -> None:
    """Advance the cascades build `build_pk` belongs to, its step now running (a receiver of
    builds.signals.build_started)."""
    on_build_finished(sender, build_pk)


def on_build_finished(sender, build_pk: int, **kwargs) -> None:
    """Advance the cascades build `build_pk` belongs to (a receiver of builds.signals.build_finished)."""
    for cascade_pk in (CascadeStep.objects.filter(build_id=build_pk).values_list("cascade_id", flat=True)
                       .distinct()):
        advance(cascade_pk)


def advance_stalled() -> list[int]:
    """Advance the unfinished cascades with a step whose build is over but the step is not; return their pks.

    The maintenance loop calls it, so a cascade whose `build_finished` was
    not heard (its receiver failed on a database error) still goes on.
    """
    stalled = list(CascadeStep.objects.filter(
        cascade__status__in=Cascade.UNFINISHED, status__in=(Step.QUEUED, Step.RUNNING),
        build__isnull=False).exclude(build__status__in=Build.UNFINISHED)
        .values_list("cascade_id", flat=True).distinct().order_by("cascade_id"))
    for cascade_pk in stalled:
        advance(cascade_pk)
    return stalled


def advance(cascade_pk: int) -> Cascade:
    """Bring cascade `cascade_pk` up to date with its builds, queue what is ready, end it when all is done."""
    with transaction.atomic():
        cascade = Cascade.objects.select_for_update(of=("self",)).select_related("started_by").get(pk=cascade_pk)
        steps = {step.pk: step for step in cascade.steps.select_related("build", "template", "previous_build")}
        waits = {pk: set() for pk in steps}
        for step_pk, parent_pk in CascadeStep.waits_for.through.objects.filter(
                from_cascadestep__cascade_id=cascade_pk).values_list("from_cascadestep_id", "to_cascadestep_id"):
            waits[step_pk].add(parent_pk)
        for step in steps.values():
            _follow_build(cascade, step, steps, waits)
        if cascade.status in Cascade.UNFINISHED:
            while _skip_below_failures(steps, waits) or _queue_ready(cascade, steps, waits):
                continue
            _conclude(cascade, steps)
    return cascade


def _set(step: CascadeStep, status: str, **fields) -> bool:
    """Move `step` to `status` if it still has the status read; return whether it did."""
    changed = CascadeStep.objects.filter(pk=step.pk, status=step.status).update(status=status, **fields)
    if changed:
        step.status = status
        for name, value in fields.items():
            setattr(step, name, value)
    return bool(changed)


def _follow_build(cascade: Cascade, step: CascadeStep, steps: dict, waits: dict) -> None:
    build = step.build
    if build is None or step.is_over:
        return
    status = STEP_OF_BUILD[build.status]
    if status == step.status:
        return
    fields = {}
    if build.status == Build.Status.LOST:
        fields["reason"] = f"Build #{build.pk} was lost: its worker stopped answering."
    elif status == Step.FAILED:
        fields["reason"] = f"Build #{build.pk} failed: {_first_line(build.exit_reason) or 'see its log'}."
    elif status == Step.CANCELLED:
        fields["reason"] = f"Build #{build.pk} was cancelled."
    elif status == Step.SUCCEEDED:
        warning = _lineage_warning(cascade, step, [steps[pk] for pk in waits[step.pk]])
        if warning:
            fields["warning"] = "\n".join(filter(None, [step.warning, warning]))
    _set(step, status, **fields)


def _skip_below_failures(steps: dict, waits: dict) -> bool:
    skipped = False
    for step in steps.values():
        if step.status != Step.WAITING:
            continue
        failed = [steps[pk] for pk in waits[step.pk] if steps[pk].status in CascadeStep.NOT_SUCCEEDED]
        if failed:
            parent = failed[0]
            what = {Step.FAILED: "failed", Step.CANCELLED: "was cancelled", Step.SKIPPED: "was skipped"}[parent.status]
            skipped |= _set(step, Step.SKIPPED, reason=f"Skipped: the rebuild of {parent.template.name} {what}, so "
                                                       "it has no new image to start from.")
    return skipped


def _queue_ready(cascade: Cascade, steps: dict, waits: dict) -> bool:
    queued = False
    for step in sorted(steps.values(), key=lambda item: item.position):
        if step.status != Step.WAITING or any(steps[pk].status != Step.SUCCEEDED for pk in waits[step.pk]):
            continue
        try:
            if step.previous_build is None:
                raise ValidationError("the build it was to rebuild from has been deleted.")
            with transaction.atomic():
                build = services.rebuild(step.previous_build, cascade.started_by, latest=True)
        except (ValidationError, PermissionDenied) as error:
            queued |= _set(step, Step.FAILED, reason=f"Its build could not be queued: {_message(error)}")
        else:
            queued |= _set(step, Step.QUEUED, build=build, version_id=build.template_version_id)
    if queued and cascade.status == Cascade.Status.PLANNED:
        Cascade.objects.filter(pk=cascade.pk, status=Cascade.Status.PLANNED).update(status=Cascade.Status.RUNNING)
        cascade.status = Cascade.Status.RUNNING
    return queued


def _conclude(cascade: Cascade, steps: dict) -> None:
    if any(step.status in CascadeStep.UNFINISHED for step in steps.values()):
        return
    ok = all(step.status == Step.SUCCEEDED for step in steps.values())
    status = Cascade.Status.SUCCEEDED if ok else Cascade.Status.FAILED
    now = timezone.now()
    if Cascade.objects.filter(pk=cascade.pk, status__in=Cascade.UNFINISHED).update(status=status, finished_at=now):
        cascade.status, cascade.finished_at = status, now


def cancel(cascade: Cascade, user) -> Cascade:
    """Cancel `cascade`: skip what waits, cancel what is queued or running; return it refreshed."""
    _require(user, CONTROL_BUILDS, "cancel builds")
    with transaction.atomic():
        locked = Cascade.objects.select_for_update().get(pk=cascade.pk)
        if locked.is_over:
            raise ValidationError(f"Cascade #{cascade.pk} is already {locked.get_status_display().lower()}.")
        Cascade.objects.filter(pk=cascade.pk).update(status=Cascade.Status.CANCELLED, finished_at=timezone.now(),
                                                     cancelled_by=user)
        locked.steps.filter(status=Step.WAITING).update(
            status=Step.SKIPPED, reason=f"The cascade was cancelled by {user.get_username()}.")
        builds = list(Build.objects.filter(cascade_steps__cascade=cascade, status__in=Build.UNFINISHED))
    for build in builds:
        try:
            services.cancel_build(build, user)
        except ValidationError:  # it ended meanwhile
            continue
    advance(cascade.pk)
    cascade.refresh_from_db()
    return cascade


def _lineage_warning(cascade: Cascade, step: CascadeStep, parents: list[CascadeStep]) -> str:
    """What is wrong with the parents of `step`'s new images, or ""."""
    images = list(ImageNode.objects.filter(build_id=step.build_id).select_related("parent__template"))
    if not images:
        return f"Build #{step.build_id} made no image, so nothing of it is linked to its parent's new image."
    if parents:
        expected = set(ImageNode.objects.filter(build_id__in=[parent.build_id for parent in parents])
                       .values_list("pk", flat=True))
        wanted = " or ".join(f"{parent.template.name}'s new image (build #{parent.build_id})" for parent in parents)
    elif cascade.trigger_build_id and not cascade.trigger_revoked:
        expected = set(ImageNode.objects.filter(build_id=cascade.trigger_build_id).values_list("pk", flat=True))
        wanted = f"the image the cascade started from (build #{cascade.trigger_build_id})"
    elif cascade.template_id:
        expected = set(ImageNode.objects.filter(template_id=cascade.template_id).not_revoked()
                       .values_list("pk", flat=True))
        wanted = "an image of the cascade's template that is not revoked"
    else:
        return ""
    astray = [image for image in images if image.parent_id not in expected]
    if not astray:
        return ""
    image = astray[0]
    origin = (f"{image.parent.label()} ({image.parent.image_id})" if image.parent else "an image ImageHub does not "
              "know")
    return (f"Its new image {image.image_id} was built from {origin}, not from {wanted}: the template chooses its "
            "source image itself (an imagehub-image data source on a channel, or source_ami_filter with "
            "most_recent).")


def _trigger_name(node: ImageNode) -> str:
    return node.template.name if node.template_id else str(node)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0].rstrip(".") if (text or "").strip() else ""


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)

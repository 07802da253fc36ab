"""Starting, cancelling, rebuilding and continuing builds: the only entry points the views call.

Each function checks the user's permission (PermissionDenied), answers a
request the user can fix with a ValidationError whose messages say what to
do (a dict keyed by variable name for the values of the launch form, so
`variable_form.add_error(None, error)` puts each message at its field),
and returns the build it started or changed.

- `start_build(version, user, variables, only=(), except_=(), on_error="cleanup", preset="")`:
  `variables` maps variable names to values as typed in the launch form
  (text, or a bool for a checkbox) or as values of the variable's type; a
  name left out takes its value as the form would (preset file, auto file,
  default). They are checked as the form checks them (imagehub.variable_forms).
- `cancel_build(build, user)`: a queued build is cancelled at once; a
  running one is asked to stop through the database, which its worker polls.
- `rebuild(build, user, latest=False)`: the same version (or the template's
  latest) with the values the first build was given.
- `continue_breakpoint(build, user)`: ends the pause of a breakpoint provisioner.
- `queue_position(build)`: 1 for the next queued build to start, None when not queued.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from builds import broadcast, secrets, signals
from builds.engine.hcl.values import UNKNOWN, format_number
from builds.logsink import lines_event, status_message
from builds.models import Build, BuildLogLine
from imagehub import variable_forms
from imagehub.models import TemplateVersion
from imagehub.roles import CONTROL_BUILDS, START_BUILDS

START = START_BUILDS
CONTROL = CONTROL_BUILDS
ON_ERROR_POLICIES = ("cleanup", "abort", "run-cleanup-provisioner")


def _require(user, permission: str, action: str) -> None:
    if user is None or not user.has_perm(permission):
        raise PermissionDenied(f"Your account may not {action}; ask an administrator for the builder role.")


def start_build(version: TemplateVersion, user, variables: Mapping[str, Any], only: Iterable[str] = (),
                except_: Iterable[str] = (), on_error: str = "cleanup", preset: str = "", *,
                rebuild_of: Build | None = None) -> Build:
    """Queue a build of `version`; return it (status QUEUED).

    Raises PermissionDenied without `builds.add_build`, ValidationError for
    an invalid version, unknown or invalid variable values, a preset that is
    not one of the version's variables files, an unknown on-error policy, or
    a source selection that leaves nothing to build.
    """
    _require(user, START, "start builds")
    return _start(version, user, dict(variables), list(only), list(except_), on_error, preset, rebuild_of)


def _start(version: TemplateVersion, user, variables: dict, only: list[str], except_: list[str], on_error: str,
           preset: str, rebuild_of: Build | None) -> Build:
    if on_error not in ON_ERROR_POLICIES:
        raise ValidationError(f'"{on_error}" is not an on-error policy: use one of {", ".join(ON_ERROR_POLICIES)}.')
    if only and except_:
        raise ValidationError("Choose sources to build only, or sources to leave out, not both.")
    if not version.is_valid:
        raise ValidationError(f"{version} has errors; fix them in a new version before building it.")
    files = version.file_texts()
    if preset and preset not in variable_forms.presets(files):
        raise ValidationError(f'{version} has no variables file "{preset}".')
    launch = variable_forms.load(files, preset)
    if not launch.loaded:
        problem = launch.problems[0] if launch.problems else {"summary": "it does not load", "detail": ""}
        raise ValidationError(f"{version} cannot be built: {problem['summary']}. {problem.get('detail', '')}".strip())
    form = variable_forms.VariableForm(launch, _form_data(launch, variables))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    selected = launch.config.selected_sources(only, except_)
    if not selected:
        raise ValidationError("The sources chosen leave nothing to build.")
    build = Build(template_id=version.template_id, template_version=version, requested_by=user,
                  rebuild_of=rebuild_of, only=only, except_names=except_, on_error=on_error, preset=preset)
    build.set_sources([(b.full_name(source), source.type) for b, source in selected])
    _record_variables(build, form)
    with transaction.atomic():
        build.save()
        from builds.tasks import run_build

        result = run_build.enqueue(build.pk)
        build.task_id = str(result.id)
        build.save(update_fields=["task_id"])
    return build


def _form_data(launch: variable_forms.Launch, variables: dict) -> dict[str, Any]:
    """The launch form's data for `variables`; raises ValidationError naming undeclared variables."""
    declared = launch.config.template.variables
    unknown = sorted(set(variables) - set(declared))
    if unknown:
        raise ValidationError(f"The template declares no variable {', '.join(repr(n) for n in unknown)}.")
    form = variable_forms.VariableForm(launch)
    data: dict[str, Any] = {}
    for name in declared:
        field = form.fields[name]
        key = f"{variable_forms.FIELD_PREFIX}-{name}"
        if isinstance(field, forms.BooleanField):
            value = variables.get(name, field.initial)
            if value is True or (isinstance(value, str) and value.strip().lower() in ("on", "true", "1", "yes")):
                data[key] = "on"
        elif name in variables:
            data[key] = _field_text(variables[name])
    return data


def _field_text(value: Any) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    return json.dumps(value)


def _record_variables(build: Build, form: variable_forms.VariableForm) -> None:
    shown, hidden, given = {}, {}, []
    for item in form.resolved:
        if item.source == "this form":
            given.append(item.name)
        if item.value is UNKNOWN:
            continue
        if item.sensitive:
            if item.source == "this form":
                hidden[item.name] = item.value
        else:
            shown[item.name] = item.value
    build.variables = shown
    build.sensitive_names = sorted(item.name for item in form.resolved if item.sensitive)
    build.sensitive_variables = secrets.encrypt(hidden)
    build.given_names = given


def given_values(build: Build) -> dict[str, Any]:
    """The values the requester of `build` gave, sensitive ones decrypted (for a rebuild)."""
    hidden = secrets.decrypt(build.sensitive_variables)
    values = {}
    for name in build.given_names:
        if name in hidden:
            values[name] = hidden[name]
        elif name in build.variables:
            values[name] = build.variables[name]
    return values


def rebuild(build: Build, user, latest: bool = False) -> Build:
    """Queue a build like `build`: its version (or the template's latest version when `latest`), the values it
    was given, its source selection and on-error policy; return it.

    With `latest`, values of variables the latest version no longer declares
    are dropped, as is a preset file it no longer has. Raises as start_build
    does, and ValidationError when the stored sensitive values cannot be read.
    """
    _require(user, START, "start builds")
    version = build.template_version
    if latest:
        version = build.template.latest_version or build.template.versions.order_by("-number").first()
    try:
        values = given_values(build)
    except secrets.SecretsUnreadable as error:
        raise ValidationError(str(error))
    preset = build.preset
    if latest and version.pk != build.template_version_id:
        launch = variable_forms.load(version.file_texts())
        if launch.loaded:
            declared = launch.config.template.variables
            values = {name: value for name, value in values.items() if name in declared}
        if preset not in variable_forms.presets(version.file_texts()):
            preset = ""
    return _start(version, user, values, list(build.only), list(build.except_names), build.on_error, preset,
                  build)


def cancel_build(build: Build, user) -> Build:
    """Cancel `build`: at once when queued, through its worker when running; return it refreshed.

    Raises PermissionDenied without `builds.change_build`, ValidationError when the build is over.
    """
    _require(user, CONTROL, "cancel builds")
    now = timezone.now()
    text = f"Build was cancelled by {user.get_username()} before it started."
    with transaction.atomic():
        cancelled = Build.objects.filter(pk=build.pk, status=Build.Status.QUEUED).update(
            status=Build.Status.CANCELLED, finished_at=now, cancel_requested_at=now, cancel_requested_by=user,
            exit_reason=text, last_seq=1)
        if cancelled:
            BuildLogLine.objects.create(build_id=build.pk, seq=1, time=now, stream=BuildLogLine.Stream.SAY, text=text)
    if cancelled:
        group = broadcast.group_name(build.pk)
        broadcast.send(group, lines_event(
            [{"seq": 1, "time": now.timestamp(), "source": "", "step": "", "stream": "say", "text": text}]))
        broadcast.send(group, status_message(Build.Status.CANCELLED, "", 1, final=True))
        signals.send(signals.build_finished, build.pk, status=Build.Status.CANCELLED)
    else:
        requested = Build.objects.filter(pk=build.pk, status=Build.Status.RUNNING, cancel_requested_at__isnull=True)
        if not requested.update(cancel_requested_at=now, cancel_requested_by=user):
            build.refresh_from_db()
            if build.is_over:
                raise ValidationError(f"Build #{build.pk} is already {build.get_status_display().lower()}.")
    build.refresh_from_db()
    return build


def continue_breakpoint(build: Build, user) -> Build:
    """Let a build paused at a breakpoint go on; return it refreshed.

    Raises PermissionDenied without `builds.change_build`, ValidationError when it is not paused.
    """
    _require(user, CONTROL, "continue builds")
    requested = Build.objects.filter(pk=build.pk, status=Build.Status.RUNNING, paused_at__isnull=False).update(
        continue_requested_at=timezone.now())
    build.refresh_from_db()
    if not requested:
        raise ValidationError(f"Build #{build.pk} is not waiting at a breakpoint.")
    return build


def queue_position(build: Build) -> int | None:
    """Return 1 for the queued build that starts next, 2 for the one after it...; None when not queued."""
    status, queued_at = Build.objects.filter(pk=build.pk).values_list("status", "queued_at").get()
    if status != Build.Status.QUEUED:
        return None
    ahead = Build.objects.filter(status=Build.Status.QUEUED, queued_at__lte=queued_at).exclude(pk=build.pk)
    ahead = ahead.exclude(queued_at=queued_at, pk__gt=build.pk)
    return ahead.count() + 1

"""`imagehub build --record`: a terminal build stored in the dashboard's history, with the server's settings.

The CLI loads this module only when `--record` is given, so the engine's
`build` verb still runs without Django otherwise. The template's files go
into the catalog (a template named after the template's directory, or its
file without suffix; a new version only when they changed), then the build
runs as `imagehub build` runs it, printing to the terminal, while a
`BuildRecording` stores its log, steps, artifacts (copies of their files)
and outcome as a `Build` marked `recorded_from_cli`, requested by the
account named $IMAGEHUB_USER or the login name, when such an account exists.
Its heartbeat is written while it runs, so the dashboard shows it running;
Cancel on its page cancels it as Ctrl-C would (cleanup runs, the terminal
and the log say who cancelled it), and so does the reaper marking it lost.
The image registry is the database itself (builds.registry_answers), so the
channel images the build takes are recorded, its images get their lineage,
and on success the channels its `hcp_packer_registry` blocks name move to it.
"""

import getpass
import os
import socket
import sys
import threading
from pathlib import Path

RECORD_FLAGS = frozenset({"--record", "-record"})
TEMPLATE_SUFFIXES = (".pkr.hcl", ".pkr.json")
VARIABLE_FILE_SUFFIX = ".auto.pkrvars.hcl"


class NotRecordable(Exception):
    """The template's files cannot go into the catalog; the message says why."""


def template_name(path: Path) -> str:
    """The catalog name of the template at `path`: the directory's name, or the file's without its suffix."""
    path = path.resolve()
    if path.is_dir():
        return path.name
    for suffix in TEMPLATE_SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def template_files(path: Path) -> dict[str, str]:
    """The files of the template at `path` as the catalog keeps them: a directory's template and variables
    files, or one file with the auto-loaded variables files beside it."""
    from imagehub.models import TEMPLATE_FILE_SUFFIXES

    if path.is_dir():
        chosen = [p for p in sorted(path.iterdir()) if p.is_file() and p.name.endswith(TEMPLATE_FILE_SUFFIXES)]
    else:
        chosen = [path, *(p for p in sorted(path.parent.glob(f"*{VARIABLE_FILE_SUFFIX}")) if p.is_file())]
    return {p.name: p.read_text(encoding="utf-8") for p in chosen}


def catalog_version(path: Path, user):
    """Return the catalog version holding the files at `path`, adding the template or a version as needed.

    Raises NotRecordable when the catalog refuses the files.
    """
    from django.core.exceptions import ValidationError

    from imagehub import catalog
    from imagehub.models import PackerTemplate

    files = template_files(path)
    name = template_name(path)
    try:
        template = PackerTemplate.objects.filter(name=name).first()
        if template is None:
            template = catalog.create_template(name=name, description=f"Recorded from {path.resolve()}",
                                               labels=[], owner=user, files=files, message="Recorded build")
            return template.versions.get(number=1)
        latest = template.versions.order_by("-number").first()
        return catalog.save_version(template, files=files, author=user, message="Recorded build",
                                    base_number=latest.number if latest else 0).version
    except (ValidationError, catalog.CatalogError, catalog.InvalidFiles, catalog.StaleVersion) as error:
        raise NotRecordable(str(getattr(error, "message", error)))


def requesting_user():
    """The account named by $IMAGEHUB_USER, else by the login name, or None."""
    from django.contrib.auth import get_user_model

    name = os.environ.get("IMAGEHUB_USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            return None
    return get_user_model().objects.filter(username=name).first()


class BuildRecording:
    """The engine's recorder (builds.engine.commands.build.Recorder) storing the build in the history."""

    def __init__(self, err=None, registry=None):
        self.err = err or sys.stderr
        self.registry = registry  # a builds.registry_answers.DatabaseRegistry
        self.channels: list[str] = []
        self.build = None
        self.sink = None
        self.template_dir = Path.cwd()
        self.types: dict[str, str] = {}
        self.cancel = None  # the run's builds.engine.cancel.CancelToken, from begin()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._reachable = True

    def begin(self, template: str, builds: list, config, cancel):
        from django.utils import timezone

        from builds import signals
        from builds.engine.hcl.values import UNKNOWN
        from builds.engine.ui import ListSink
        from builds.logsink import LogSink
        from builds.models import Build

        user = requesting_user()
        try:
            version = catalog_version(Path(template), user)
        except NotRecordable as error:
            self.err.write(f"imagehub build --record: this build is not recorded: {error}\n")
            return ListSink()
        now = timezone.now()
        declared = config.template.variables
        values = config.context.variables
        build = Build(template_id=version.template_id, template_version=version, requested_by=user,
                      status=Build.Status.RUNNING, queued_at=now, started_at=now, heartbeat_at=now,
                      worker_host=socket.gethostname()[:255], recorded_from_cli=True,
                      on_error=builds[0].context.on_error if builds else "cleanup")
        self.types = {prepared.name: prepared.source.type for prepared in builds}
        build.set_sources(list(self.types.items()))
        build.variables = {name: value.value for name, value in values.items()
                           if not declared[name].sensitive and value.value is not UNKNOWN}
        build.sensitive_names = sorted(name for name, decl in declared.items() if decl.sensitive)
        build.given_names = sorted(name for name, value in values.items()
                                   if value.source != "default" and not declared[name].sensitive)
        build.save()
        self.build = build
        signals.send(signals.build_started, build.pk)
        if self.registry is not None:
            self.registry.attach(build)
        self.sink = LogSink(build).start()
        self._read_channels(config, builds)
        self.cancel = cancel
        self._monitor = threading.Thread(target=self._watch, name="recording-monitor", daemon=True)
        self._monitor.start()
        self.err.write(f"Recording this build as build #{build.pk} of {version}.\n")
        return self.sink

    def _read_channels(self, config, builds: list) -> None:
        from builds.engine.hcl.registry_block import registry_channels

        self.channels, problems = registry_channels(config, [prepared.build for prepared in builds])
        for problem in problems:
            self.sink.line("", "", "error", f"hcp_packer_registry: {problem} No channel is assigned from it.")

    def _watch(self) -> None:
        """Until the build ends: write its heartbeat, and cancel it when the dashboard asks (as a worker would)."""
        from builds.runner.watch import watch

        watch(self.build.pk, self._stop, self._look_for_requests, self._unreachable)

    def _unreachable(self, error) -> None:
        if self._reachable:  # said once an outage, not every round
            self.err.write(f"imagehub build --record: the dashboard's database is out of reach: {error}\n")
        self._reachable = False

    def _look_for_requests(self, row: dict | None) -> None:
        from builds.models import Build
        from builds.runner.watch import cancelled_by

        self._reachable = True
        if self.cancel.cancelled:
            return
        if row is None or row["status"] != Build.Status.RUNNING:
            reason = "This build is no longer recorded as running in the dashboard (it was marked lost)."
        elif row["cancel_requested_at"] is not None:
            reason = f"Build was cancelled from the dashboard{cancelled_by(row)}."
        else:
            return
        self.err.write(f"{reason} Cleaning up...\n")
        self.sink.line("", "", "say", f"{reason} Cleaning up...")
        self.cancel.cancel(reason)

    def on_step(self, event) -> None:
        if self.sink is not None:
            self.sink.step(event.build, event.step, event.phase, event.time, event.outcome)

    def claimed(self, ledger_id: str) -> None:
        if self.sink is not None:
            self.build.ledger_ids = [*self.build.ledger_ids, ledger_id]
            self.sink.update(ledger_ids=self.build.ledger_ids)

    def finish(self, results: list, cancelled: bool) -> None:
        if self.sink is None:
            return
        from django.conf import settings
        from django.utils import timezone

        from builds import signals
        from builds.artifact_records import artifact_record
        from builds.engine.supervised import artifact_data
        from builds.models import Artifact, Build

        self._stop.set()
        self._monitor.join()
        store = Path(settings.IMAGEHUB["ARTIFACTS_DIR"])
        Artifact.objects.bulk_create(
            artifact_record(self.build, {"name": result.name, "type": self.types.get(result.name, "")},
                            artifact_data(artifact), self.template_dir, store, move=False)
            for result in results for artifact in result.artifacts)
        errors = [f"{result.name}: {result.error}" for result in results if result.error]
        if cancelled:
            status, reason = Build.Status.CANCELLED, self.cancel.reason or (errors[0] if errors else
                                                                            "Build was cancelled.")
        elif errors or not results:
            status, reason = Build.Status.FAILED, "\n".join(errors) or "No build ran."
        else:
            status, reason = Build.Status.SUCCEEDED, ""
        self._record_images(status == Build.Status.SUCCEEDED)
        for result in results:
            self.sink.line(result.name, "", "say" if result.ok else "error",
                           f"Build '{result.name}' {'finished' if result.ok else 'errored: ' + result.error}.")
        self.sink.close(status=status, finished_at=timezone.now(), exit_reason=reason)
        signals.send(signals.build_finished, self.build.pk, status=self.sink.status)


    def _record_images(self, succeeded: bool) -> None:
        from builds import channels, lineage

        lineage.record_build(self.build)
        if not succeeded:
            return
        assigned, problems = channels.on_build_succeeded(self.build, self.channels)
        for channel in assigned:
            self.sink.line("", "", "say", f'Channel "{channel.name}" of {self.build.template.name} now points at '
                                          "this build.")
        for problem in problems:
            self.sink.line("", "", "error", problem)


def main(args: list[str]) -> int:
    """Run `imagehub build` with `args` (without --record), recording it; return its exit status."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from builds.engine.commands import build as build_command

    try:
        django.setup()
        from builds.models import Build

        Build.objects.exists()
    except ImproperlyConfigured as error:
        sys.stderr.write(f"imagehub build --record: configuration error: {error}\n")
        return 1
    except DatabaseError as error:
        sys.stderr.write(f"imagehub build --record: the dashboard's database is not usable ({error}); "
                         "start `imagehub serve` once, or run `imagehub manage migrate`.\n")
        return 1
    from builds.engine import imageregistry
    from builds.registry_answers import DatabaseRegistry

    registry = DatabaseRegistry()
    imageregistry.install(registry)
    try:
        return build_command.run(args, sys.stdout, sys.stderr, recorder=BuildRecording(registry=registry))
    finally:
        imageregistry.install(None)

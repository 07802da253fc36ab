"""The run of one claimed build: the engine's child process, the relay of its output, the monitor, the record."""

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

import builds
from builds import channels, lineage, registry_answers, secrets, signals
from builds.artifact_records import artifact_record
from builds.engine.ui import Masker
from builds.logsink import LogSink
from builds.models import Artifact, Build
from builds.runner.messages import decode_messages, strings, variable_arguments
from builds.runner.watch import cancelled_by, watch

logger = logging.getLogger(__name__)

CHILD_MODULE = "builds.engine.supervised"
# The server's own secrets are not the template's business: its provisioners run with this environment.
WITHHELD_ENVIRONMENT = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "IMAGEHUB_SECRETS_KEYS", "DJANGO_SETTINGS_MODULE")
STDERR_TAIL_BYTES = 8000
READ_SIZE = 1 << 16


@dataclass
class Outcome:
    """How the child's run ended, as far as its messages tell."""

    status: str = ""
    error: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)  # named by the hcp_packer_registry blocks


class BuildProcess:
    """One build run: the child process, the relay of its output, the monitor, the final record."""

    def __init__(self, build: Build):
        self.build = build
        self.child: subprocess.Popen | None = None
        self.cancel_reason = ""
        self.paused_since: datetime | None = None
        self._commands_lock = threading.Lock()
        self._stop_monitor = threading.Event()
        self.sink: LogSink | None = None

    # Control, from the monitor or the worker.

    def cancel(self, reason: str) -> None:
        """Cancel the build once: the engine stops what it runs and cleans up."""
        if self.cancel_reason:
            return
        self.cancel_reason = reason
        if self.sink is not None:
            self.sink.line("", "", "say", f"{reason} Cleaning up...")
        self._command({"t": "cancel", "reason": reason})

    def resume(self) -> None:
        """End a breakpoint's pause."""
        if self.paused_since is not None:
            self._command({"t": "continue"})

    def _command(self, command: dict) -> None:
        with self._commands_lock:
            child = self.child
            if child is None or child.stdin is None or child.stdin.closed:
                return
            try:
                child.stdin.write(json.dumps(command).encode("utf-8") + b"\n")
                child.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                return  # the child has ended

    # The run.

    def run(self) -> str:
        build = self.build
        try:
            values = secrets.decrypt(build.sensitive_variables)
        except secrets.SecretsUnreadable as error:
            return self._fail_before_start(str(error))
        masker = Masker([text for value in values.values() for text in strings(value)])
        self.sink = LogSink(build, masker=masker).start()
        self.sink.update(worker_host=build.worker_host)
        monitor = threading.Thread(target=self._monitor, name=f"monitor of build {build.pk}", daemon=True)
        monitor.start()
        try:
            outcome = self._run_child(values)
            status, reason = self._conclude(outcome)
            if status == Build.Status.SUCCEEDED:
                self._assign_channels(outcome.channels)
        except Exception as error:  # a fault of ImageHub's, not the template's: recorded, not raised
            logger.exception("Build %s could not be run", build.pk)
            self.sink.line("", "", "error", f"ImageHub could not run this build: {error!r}")
            status, reason = Build.Status.FAILED, f"ImageHub could not run this build: {error}"
        finally:
            self._stop_monitor.set()
            monitor.join()
        self.sink.close(status=status, finished_at=timezone.now(), exit_reason=reason, paused_at=None)
        signals.send(signals.build_finished, build.pk, status=self.sink.status)
        return self.sink.status

    def _fail_before_start(self, reason: str) -> str:
        sink = LogSink(self.build).start()
        sink.line("", "", "error", reason)
        sink.close(status=Build.Status.FAILED, finished_at=timezone.now(), exit_reason=reason)
        signals.send(signals.build_finished, self.build.pk, status=sink.status)
        return sink.status

    def _run_child(self, values: dict) -> Outcome:
        build = self.build
        with tempfile.TemporaryDirectory(prefix=f"imagehub-build-{build.pk}-") as workdir:
            for name, text in build.template_version.file_texts().items():
                (Path(workdir) / name).write_text(text, encoding="utf-8")
            request = {
                "var_files": [build.preset] if build.preset else [],
                "vars": variable_arguments(build, values),
                "only": list(build.only), "except": list(build.except_names), "on_error": build.on_error,
                "ledger_dir": str(settings.IMAGEHUB["LEDGER_DIR"]), "parallel": 0, "registry": "supervisor",
            }
            with tempfile.TemporaryFile() as stderr:
                outcome = self._relay(workdir, request, stderr)
                if not outcome.status:
                    self._report_crash(stderr)
            self._store_artifacts(outcome, Path(workdir))
        return outcome

    def _relay(self, workdir: str, request: dict, stderr) -> Outcome:
        environment = {k: v for k, v in os.environ.items() if k not in WITHHELD_ENVIRONMENT}
        package_root = str(Path(builds.__file__).resolve().parent.parent)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, environment.get("PYTHONPATH")]))
        environment["PYTHONUNBUFFERED"] = "1"
        with self._commands_lock:
            self.child = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE], cwd=workdir, env=environment, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=stderr, start_new_session=True)
        child = self.child
        child.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
        child.stdin.flush()
        if self.cancel_reason:  # cancelled while the child started
            self._command({"t": "cancel", "reason": self.cancel_reason})
        outcome = Outcome()
        self._read_messages(child.stdout.fileno(), outcome)
        child.wait()
        with self._commands_lock:
            child.stdin.close()
        return outcome

    def _read_messages(self, stdout: int, outcome: Outcome) -> None:
        """Relay the child's messages until it closes its output; lines go to the sink a read at a time."""
        batch_lines = settings.IMAGEHUB["LOG_BATCH_LINES"]
        pending = b""
        while chunk := os.read(stdout, READ_SIZE):
            *complete, pending = (pending + chunk).split(b"\n")
            lines: list[tuple] = []
            for message in decode_messages(complete):
                if isinstance(message, str):  # not one of the child's messages: its stray output
                    lines.append((time.time(), "", "", "stderr", message))
                    continue
                if message.get("t") == "line":
                    lines.append((message["time"], message["build"], message["step"], message["stream"],
                                  message["text"]))
                    if len(lines) >= batch_lines:
                        self.sink.lines(lines)
                        lines = []
                    continue
                self.sink.lines(lines)  # what came before this message, in order
                lines = []
                self._handle(message, outcome)
            self.sink.lines(lines)

    def _handle(self, message: dict, outcome: Outcome) -> None:
        kind = message.get("t")
        sink = self.sink
        if kind == "step":
            sink.step(message["build"], message["step"], message["phase"], message["time"], message["outcome"])
        elif kind == "pause":
            self.paused_since = timezone.now()
            sink.line(message["build"], "", "say", "Waiting at the breakpoint: continue the build from its page.")
            sink.update(paused_at=self.paused_since, continue_requested_at=None)
        elif kind == "resume":
            self.paused_since = None
            sink.update(paused_at=None)
        elif kind == "ledger":
            self.build.ledger_ids = [*self.build.ledger_ids, message["id"]]
            sink.update(ledger_ids=self.build.ledger_ids)
        elif kind == "registry":
            self._answer_registry(message)
        elif kind == "channels":
            outcome.channels = [str(name) for name in message.get("names") or []]
        elif kind == "result":
            outcome.results.append(message)
        elif kind == "done":
            outcome.status = message["status"]
            outcome.error = message.get("error", "")

    def _answer_registry(self, message: dict) -> None:
        reply: dict[str, Any] = {"t": "registry-reply", "id": message.get("id")}
        try:
            reply["result"] = registry_answers.answer(self.build, str(message.get("op", "")),
                                                      message.get("args") or {})
        except channels.ImageRefused as error:
            reply["error"] = str(error)
        except Exception as error:  # ImageHub's fault: the build is told, the worker's log has the details
            logger.exception("Build %s: the registry question %r could not be answered", self.build.pk, message)
            reply["error"] = f"ImageHub could not answer: {error}"
        self._command(reply)

    def _assign_channels(self, names: list[str]) -> None:
        try:
            assigned, problems = channels.on_build_succeeded(self.build, names)
        except Exception as error:  # the build itself went well: say so, and keep its status
            logger.exception("Build %s: its channels could not be assigned", self.build.pk)
            self.sink.line("", "", "error", f"ImageHub could not assign this build's channels: {error}")
            return
        for channel in assigned:
            self.sink.line("", "", "say", f'Channel "{channel.name}" of {self.build.template.name} now points at '
                                          "this build.")
        for problem in problems:
            self.sink.line("", "", "error", problem)

    def _report_crash(self, stderr) -> None:
        stderr.seek(0, os.SEEK_END)
        size = stderr.tell()
        stderr.seek(max(0, size - STDERR_TAIL_BYTES))
        tail = stderr.read().decode("utf-8", "replace")
        self.sink.line("", "", "error", f"The build process ended unexpectedly (exit status {self.child.returncode}).")
        for text in tail.splitlines():
            self.sink.line("", "", "stderr", text)

    def _conclude(self, outcome: Outcome) -> tuple[str, str]:
        if self.cancel_reason or outcome.status == "cancelled":
            return Build.Status.CANCELLED, self.cancel_reason or _first_error(outcome) or "Build was cancelled."
        if outcome.status == "succeeded":
            return Build.Status.SUCCEEDED, ""
        if not outcome.status:
            return Build.Status.FAILED, f"The build process ended unexpectedly (exit status {self.child.returncode})."
        return Build.Status.FAILED, outcome.error or _first_error(outcome) or "The build failed."

    # Watching the database.

    def _monitor(self) -> None:
        try:
            watch(self.build.pk, self._stop_monitor, self._look_for_requests, self._unreachable)
        except Exception:  # the heartbeat stops; the reaper will say the build is lost
            logger.exception("The monitor of build %s stopped", self.build.pk)

    def _unreachable(self, error: DatabaseError) -> None:
        logger.warning("The monitor of build %s could not reach the database: %s", self.build.pk, error)

    def _look_for_requests(self, row: dict | None) -> None:
        if row is None or row["status"] != Build.Status.RUNNING:
            self.cancel("This build is no longer recorded as running (it was marked lost).")
            return
        if row["cancel_requested_at"] is not None:
            self.cancel(f"Build was cancelled{cancelled_by(row)}.")
        paused = self.paused_since
        if paused is not None and row["continue_requested_at"] is not None and row["continue_requested_at"] >= paused:
            self.resume()

    # Artifacts.

    def _store_artifacts(self, outcome: Outcome, workdir: Path) -> None:
        store = Path(settings.IMAGEHUB["ARTIFACTS_DIR"])
        records = []
        for result in outcome.results:
            for data in result.get("artifacts", []):
                records.append(artifact_record(self.build, result, data, workdir, store))
        Artifact.objects.bulk_create(records)
        if records:
            try:
                lineage.record_build(self.build)
            except Exception as error:  # the images exist all the same: say so, and keep the build's status
                logger.exception("Build %s: the lineage of its images could not be recorded", self.build.pk)
                self.sink.line("", "", "error", f"ImageHub could not record the lineage of this build's images: "
                                                f"{error}")


def _first_error(outcome: Outcome) -> str:
    errors = [f"{result['name']}: {result['error']}" for result in outcome.results if result.get("error")]
    return "\n".join(errors)

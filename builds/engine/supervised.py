"""The engine run by a supervising process (the dashboard's worker): a request and commands in, JSON lines out.

``python -m builds.engine.supervised`` builds the template in its working
directory. It reads one JSON request line on stdin::

    {"var_files": [...], "vars": [[name, text], ...], "only": [...], "except": [...],
     "on_error": "cleanup", "ledger_dir": "...", "parallel": 0, "registry": "supervisor"}

then commands, one JSON object a line: ``{"t": "cancel", "reason": "..."}``
cancels the builds (cleanup runs), ``{"t": "continue"}`` ends a breakpoint's
pause, ``{"t": "registry-reply", "id", "result"}`` (or ``"error"``) answers
a registry question. When stdin closes (the supervisor died) the builds are
cancelled, so their cleanup still runs.

With ``"registry": "supervisor"`` the image registry
(:mod:`builds.engine.imageregistry`: the ``imagehub-image`` data source, the
builders' source image checks) is the supervisor, asked with
``{"t": "registry", "id", "op": "channel_image" | "check_source", "args": {...}}``;
without it, the environment's (``IMAGEHUB_URL``).

It writes one JSON object a line on stdout, in the order things happen:

- ``{"t": "line", "build", "time", "step", "stream", "text"}``: output, masked;
- ``{"t": "step", "build", "step", "phase", "time", "outcome"}``: a step
  started ("" outcome) or ended (see :class:`builds.engine.ui.StepEvent`);
- ``{"t": "pause", "build", "note"}``: a breakpoint waits for ``continue``;
- ``{"t": "resume", "build"}``: the pause is over;
- ``{"t": "ledger", "id"}``: a build run's id in the resource ledger;
- ``{"t": "registry", "id", "op", "args"}``: a registry question (above);
- ``{"t": "channels", "names": [...]}``: the channels the builds'
  ``hcp_packer_registry`` blocks name, for the supervisor to assign on success;
- ``{"t": "result", "name", "type", "error", "cancelled", "started", "finished",
  "artifacts": [{"builder_id", "id", "files", "description", "state"}],
  "cleanup_failures": [{"step", "error"}]}``: one build ended;
- ``{"t": "done", "status"}``: everything ended; status is "succeeded",
  "failed" (the ``error`` key says why when no build ran) or "cancelled".
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from builds.engine import imageregistry
from builds.engine.cancel import CancelToken
from builds.engine.imageregistry import ImageRegistry, RegistryRefusal
from builds.engine.ledger import FileLedger
from builds.engine.ui import ERROR, MACHINE, SAY, Line, StepEvent

EXIT_REASON_SUPERVISOR_GONE = "Build was cancelled: the worker running it stopped."
# One encoder for every message: json.dumps(..., default=str) builds a new one each call, which costs as much as the
# encoding of a line.
_encode = json.JSONEncoder(default=str).encode


class Writer:
    """Writes JSON lines to the supervisor, in the order sent, from any thread; once the supervisor is gone,
    writes are dropped.

    A thread of its own writes whatever was sent while it wrote last, in one
    write: a quiet build's line goes out at once, and a build printing
    thousands of lines a second costs a write (and a wakeup of the
    supervisor) per few hundred lines instead of one per line. At most
    MAX_PENDING messages wait; a sender beyond that waits for the writes, so
    a stalled supervisor holds the build back instead of filling memory.
    `close` returns once everything sent is written.
    """

    MAX_PENDING = 256

    def __init__(self, out: BinaryIO):
        self.out = out
        self.broken = False
        self._pending: list[bytes] = []
        self._changed = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._write_pending, name="supervisor output", daemon=True)
        self._thread.start()

    def send(self, message: dict[str, Any]) -> None:
        data = _encode(message).encode("utf-8", "surrogatepass") + b"\n"
        with self._changed:
            while len(self._pending) >= self.MAX_PENDING and not self.broken:
                self._changed.wait()
            if self.broken:
                return
            self._pending.append(data)
            if len(self._pending) == 1:  # the writing thread may be waiting for it
                self._changed.notify_all()

    def close(self) -> None:
        """Return once every message sent is written (or the supervisor is gone)."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()

    def _write_pending(self) -> None:
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                if not self._pending:
                    return
                data, self._pending = b"".join(self._pending), []
                self._changed.notify_all()  # senders waiting for room
            try:
                self.out.write(data)
                self.out.flush()
            except (BrokenPipeError, ValueError, OSError):
                with self._changed:
                    self.broken = True  # the cleanup still runs; its output has nowhere to go
                    self._pending.clear()
                    self._changed.notify_all()

    def say(self, text: str, build: str = "", error: bool = False) -> None:
        """A line of the run itself (not of a build's steps), as the CLI prints its summary."""
        for part in text.split("\n"):
            self.send({"t": "line", "build": build, "time": time.time(), "step": "",
                       "stream": ERROR if error else SAY, "text": part})


class JsonSink:
    """The engine's sink: each line goes to the supervisor (machine-readable events are not log lines)."""

    def __init__(self, writer: Writer):
        self.writer = writer

    def emit(self, line: Line) -> None:
        if line.stream == MACHINE:
            return
        self.writer.send({"t": "line", "build": line.build, "time": line.time, "step": line.step,
                          "stream": line.stream, "text": line.text})


class SupervisedInteraction:
    """Breakpoints wait for the supervisor's ``continue``; questions are not asked (on-error=ask is refused)."""

    def __init__(self, writer: Writer, cancel: CancelToken):
        self.writer = writer
        self.cancel = cancel
        self._resume = threading.Event()
        self._lock = threading.Lock()

    def ask(self, build: str, question: str) -> str:
        """Answer "c" (clean up): there is nobody at a terminal to ask."""
        return "c"

    def pause(self, build: str, note: str) -> None:
        """Return once the supervisor says continue, or the build is cancelled."""
        with self._lock:  # one paused build at a time, as on a terminal
            self._resume.clear()
            self.writer.send({"t": "pause", "build": build, "note": note})
            while not self._resume.wait(0.2):
                if self.cancel.cancelled:
                    break
            self.writer.send({"t": "resume", "build": build})

    def resume(self) -> None:
        self._resume.set()


class ReportingLedger(FileLedger):
    """The file ledger, telling the supervisor the id of each build run it is claimed for."""

    def __init__(self, directory, report: Callable[[str], None]):
        super().__init__(directory)
        self.report = report

    def claim(self, build_id: str) -> None:
        super().claim(build_id)
        self.report(build_id)


class SupervisorRegistry(ImageRegistry):
    """The image registry as the supervisor answers it: each question a message, each answer a command."""

    def __init__(self, writer: Writer, cancel: CancelToken):
        self.writer = writer
        self.cancel = cancel
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, tuple[threading.Event, list[dict[str, Any]]]] = {}

    def channel_image(self, template: str, channel: str, region: str) -> dict[str, Any]:
        return self._ask("channel_image", {"template": template, "channel": channel, "region": region})

    def check_source(self, image_id: str, region: str) -> None:
        self._ask("check_source", {"image_id": image_id, "region": region})

    def _ask(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next += 1
            ident = self._next
            answered, reply = threading.Event(), []
            self._waiting[ident] = (answered, reply)
        try:
            self.writer.send({"t": "registry", "id": ident, "op": op, "args": args})
            while not answered.wait(0.2):
                if self.cancel.cancelled or self.writer.broken:
                    raise RegistryRefusal("The build stopped before ImageHub answered.")
        finally:
            with self._lock:
                self._waiting.pop(ident, None)
        if reply[0].get("error"):
            raise RegistryRefusal(str(reply[0]["error"]))
        result = reply[0].get("result")
        return result if isinstance(result, dict) else {}

    def answer(self, reply: dict[str, Any]) -> None:
        """Hand the supervisor's ``registry-reply`` to the question waiting for it."""
        with self._lock:
            waiting = self._waiting.get(reply.get("id"))
        if waiting is not None:
            waiting[1].append(reply)
            waiting[0].set()


def read_commands(stdin: BinaryIO, cancel: CancelToken, interaction: SupervisedInteraction,
                  registry: SupervisorRegistry | None = None) -> None:
    """Act on the supervisor's commands until stdin closes, then cancel (the supervisor is gone)."""
    for raw in stdin:
        try:
            command = json.loads(raw)
        except ValueError:
            continue
        if command.get("t") == "cancel":
            cancel.cancel(command.get("reason") or "Build was cancelled.")
        elif command.get("t") == "continue":
            interaction.resume()
        elif command.get("t") == "registry-reply" and registry is not None:
            registry.answer(command)
    cancel.cancel(EXIT_REASON_SUPERVISOR_GONE)


def artifact_data(artifact) -> dict[str, Any]:
    return {"builder_id": artifact.builder_id, "id": artifact.id, "files": list(artifact.files),
            "description": artifact.string(), "state": _json_safe(artifact.state)}


def _json_safe(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return {}


def run(request: dict[str, Any], writer: Writer, cancel: CancelToken, interaction: SupervisedInteraction) -> str:
    """Build as `request` says, reporting through `writer`; return the run's status."""
    from builds.engine.core.prepare import BuildOptions, prepare_builds
    from builds.engine.core.run import RunOptions, run_builds
    from builds.engine.hcl.config import load_config
    from builds.engine.hcl.diagnostics import render
    from builds.engine.terminal import humanize_duration

    config = load_config(".", var_files=request.get("var_files", []),
                         cli_vars=[tuple(pair) for pair in request.get("vars", [])])
    options = BuildOptions(request.get("only", []), request.get("except", []),
                           on_error=request.get("on_error", "cleanup"))
    if config.context is not None:
        builds, diags = prepare_builds(config, options, cancel)
    else:
        builds, diags = [], config.diagnostics
    for diag in diags:
        if diag.summary != "Undefined variable":
            writer.say(render(diag, config.texts).rstrip("\n"), error=diag.is_error)
    if diags.has_errors:
        first = diags.errors[0]
        writer.send({"t": "done", "status": "failed",
                     "error": f"The template cannot be built: {first.summary}. {first.detail}".strip()})
        return "failed"
    types = {prepared.name: prepared.source.type for prepared in builds}
    _report_channels(config, builds, writer)

    def on_step(event: StepEvent) -> None:
        writer.send({"t": "step", "build": event.build, "step": event.step, "phase": event.phase,
                     "time": event.time, "outcome": event.outcome})

    def on_finish(result) -> None:
        took = humanize_duration(result.duration)
        if result.ok:
            writer.say(f"Build '{result.name}' finished after {took}.", result.name)
        else:
            writer.say(f"Build '{result.name}' errored after {took}: {result.error}", result.name, error=True)
        writer.send({"t": "result", "name": result.name, "type": types.get(result.name, ""),
                     "error": result.error, "cancelled": result.cancelled, "started": result.started,
                     "finished": result.finished,
                     "artifacts": [artifact_data(artifact) for artifact in result.artifacts],
                     "cleanup_failures": [{"step": f.step, "error": f.error} for f in result.cleanup_failures]})

    ledger = ReportingLedger(request.get("ledger_dir") or None, lambda ident: writer.send({"t": "ledger", "id": ident}))
    run_options = RunOptions(options.on_error, None, interaction, ledger, on_step)
    results = run_builds(builds, JsonSink(writer), cancel, run_options, request.get("parallel", 0), on_finish)
    if cancel.cancelled:
        writer.say("Cleanly cancelled builds after being interrupted.")
        status = "cancelled"
    elif any(not result.ok for result in results):
        status = "failed"
    else:
        status = "succeeded"
    artifacts = [(result.name, artifact) for result in results for artifact in result.artifacts]
    if status != "cancelled":
        if artifacts:
            writer.say("\n==> Builds finished. The artifacts of successful builds are:")
            for name, artifact in artifacts:
                writer.say(f"--> {name}: {artifact.string()}", name)
        else:
            writer.say("\n==> Builds finished but no artifacts were created.")
    for result in results:
        for failure in result.cleanup_failures:
            writer.say(f"--> {result.name}: cleanup of {failure.step} failed: {failure.error}", result.name,
                       error=True)
    writer.send({"t": "done", "status": status})
    return status


def _report_channels(config, builds: list, writer: Writer) -> None:
    """Tell the supervisor which channels the builds' ``hcp_packer_registry`` blocks name."""
    from builds.engine.hcl.registry_block import registry_channels

    names, problems = registry_channels(config, [prepared.build for prepared in builds])
    for problem in problems:
        writer.say(f"hcp_packer_registry: {problem} No channel is assigned from it.", error=True)
    if names:
        writer.send({"t": "channels", "names": names})


def main() -> int:
    """Run the request read from stdin; return 0 when every build succeeded, 1 otherwise."""
    writer = Writer(sys.stdout.buffer)
    request = json.loads(sys.stdin.buffer.readline() or b"{}")
    cancel = CancelToken()
    interaction = SupervisedInteraction(writer, cancel)
    registry = SupervisorRegistry(writer, cancel) if request.get("registry") == "supervisor" else None
    if registry is not None:
        imageregistry.install(registry)
    threading.Thread(target=read_commands, args=(sys.stdin.buffer, cancel, interaction, registry),
                     name="supervisor commands", daemon=True).start()
    try:
        return 0 if run(request, writer, cancel, interaction) == "succeeded" else 1
    finally:
        writer.close()


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The command reader may be blocked reading stdin; leave without waiting for it.
    os._exit(status)

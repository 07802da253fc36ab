"""``imagehub build``: run the builds of a template, with Packer's flags, output and exit codes."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Protocol, TextIO

from builds.engine.commands.common import add_variable_flags, cli_vars, print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "build image(s) from template"

USAGE = """Usage: imagehub build [options] TEMPLATE

  Will execute multiple builds in parallel as defined in the template.
  The various artifacts created by the template will be outputted.

Options:

  -color=false                  Disable color output. (Default: color)
  -debug                        Debug mode enabled for builds.
  -except=foo,bar,baz           Run all builds and post-processors other than these.
  -only=foo,bar,baz             Build only the specified builds.
  -force                        Force a build to continue if artifacts exist, deletes existing artifacts.
  -machine-readable             Produce machine-readable output.
  -on-error=[cleanup|abort|ask|run-cleanup-provisioner] If the build fails do: clean up (default), abort, ask, or run-cleanup-provisioner.
  -parallel-builds=1            Number of builds to run in parallel. 1 disables parallelization. 0 means no limit (Default: 0)
  -timestamp-ui                 Enable prefixing of each ui output with an RFC3339 timestamp.
  -var 'key=value'              Variable for templates, can be used multiple times.
  -var-file=path                JSON or HCL2 file containing user variables, can be used multiple times.
  -warn-on-undeclared-var       Show warnings for variable files containing undeclared variables.
"""

ON_ERROR_CHOICES = ("cleanup", "abort", "ask", "run-cleanup-provisioner")


class TerminalInteraction:
    """Questions and pauses answered on the terminal (one at a time, whichever build asks).

    A pause also ends when the build is cancelled (Ctrl-C while waiting at a breakpoint).
    """

    def __init__(self, stdin: TextIO, out: TextIO, cancel=None):
        self.stdin = stdin
        self.out = out
        self.cancel = cancel
        self._lock = threading.Lock()

    def ask(self, build: str, question: str) -> str:
        with self._lock:
            self.out.write(f"==> {build}: [c] Clean up and exit, [a] abort without cleanup: ")
            self.out.flush()
            return self._readline()

    def pause(self, build: str, note: str) -> None:
        with self._lock:
            self.out.write(f"==> {build}: {note} Press enter to continue.\n" if note else
                           f"==> {build}: Press enter to continue.\n")
            self.out.flush()
            self._readline()

    def _readline(self) -> str:
        import select

        try:
            fileno = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return self.stdin.readline().strip()
        while self.cancel is None or not self.cancel.cancelled:
            ready, _, _ = select.select([fileno], [], [], 0.2)
            if ready:
                return self.stdin.readline().strip()
        return ""


class Recorder(Protocol):
    """Where a build is recorded besides the terminal (``imagehub build --record``; the dashboard supplies it).

    ``begin`` is called once the builds are prepared, with the template path,
    the prepared builds, the loaded config and the run's cancel token (which
    the recorder may set: the dashboard's Cancel), and returns the engine sink
    that receives every line; ``on_step`` receives each step event;
    ``claimed`` each id the builds record resources under in the ledger;
    ``finish`` the results (``cancelled`` when the run was interrupted).
    """

    def begin(self, template: str, builds: list, config, cancel) -> object: ...

    def on_step(self, event) -> None: ...

    def claimed(self, ledger_id: str) -> None: ...

    def finish(self, results: list, cancelled: bool) -> None: ...


class _RecordedLedger:
    """The default file ledger, telling the recorder each build id it is claimed for."""

    def __init__(self, recorder: Recorder):
        from builds.engine.ledger import FileLedger

        self.inner = FileLedger()
        self.recorder = recorder

    def claim(self, build_id: str) -> None:
        self.inner.claim(build_id)
        self.recorder.claimed(build_id)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def run(args: list[str], stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None,
        recorder: Recorder | None = None) -> int:
    flags = FlagSet("build", USAGE)
    flags.bool("color", True)
    flags.bool("debug", False)
    flags.bool("force", False)
    flags.bool("machine-readable", False)
    flags.bool("timestamp-ui", False)
    flags.bool("warn-on-undeclared-var", False)
    flags.string("on-error", "cleanup")
    flags.int("parallel-builds", 0)
    flags.list("only", comma=True)
    flags.list("except", comma=True)
    add_variable_flags(flags)
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) != 1:
        return flags.usage_error(stdout)
    if values["on-error"] not in ON_ERROR_CHOICES:
        stderr.write(f"-on-error must be one of {', '.join(ON_ERROR_CHOICES)}; got {values['on-error']!r}\n")
        return 1
    if values["only"] and values["except"]:
        stderr.write("Only one of -except or -only may be specified.\n")
        return 1

    from builds.engine.cancel import CancelToken
    from builds.engine.core.prepare import BuildOptions, prepare_builds
    from builds.engine.core.run import RunOptions, run_builds
    from builds.engine.hcl.config import load_config
    from builds.engine.terminal import TerminalSink, humanize_duration

    config = load_config(positional[0], var_files=values["var-file"], cli_vars=cli_vars(values))
    options = BuildOptions(values["only"], values["except"], values["force"], values["debug"], values["on-error"])
    cancel = CancelToken()
    builds, diags = prepare_builds(config, options, cancel) if config.context is not None else ([], config.diagnostics)
    if not values["warn-on-undeclared-var"]:
        diags.items[:] = [d for d in diags.items if d.summary != "Undefined variable"]
    if diags.has_errors:
        print_diagnostics(diags, config.texts, stdout)
        return 1
    print_diagnostics(diags, config.texts, stdout)

    sink = TerminalSink(stdout, color=values["color"], timestamps=values["timestamp-ui"],
                        machine=values["machine-readable"])
    build_sink = sink
    run_options = RunOptions(values["on-error"], None, None)
    if recorder is not None:
        from builds.engine.ui import FanOutSink

        build_sink = FanOutSink(sink, recorder.begin(positional[0], builds, config, cancel))
        run_options.on_step = recorder.on_step
        run_options.ledger = _RecordedLedger(recorder)
    stdin = stdin or sys.stdin
    interaction = TerminalInteraction(stdin, stdout, cancel)
    debug_pause = None
    if values["debug"]:
        def debug_pause(build: str, step: str) -> None:
            interaction.pause(build, f"Pausing after run of step '{step}'.")

    def on_finish(result) -> None:
        took = humanize_duration(result.duration)
        if result.ok:
            sink.say(f"Build '{result.name}' finished after {took}.", result.name)
        else:
            sink.say(f"Build '{result.name}' errored after {took}: {result.error}", result.name, error=True)

    sink.announce([b.name for b in builds])
    started = time.time()
    run_options.debug_pause, run_options.interaction = debug_pause, interaction
    results = []
    with _signals_cancel(cancel, sink):
        try:
            results = run_builds(builds, build_sink, cancel, run_options, values["parallel-builds"], on_finish)
        finally:
            if recorder is not None:
                recorder.finish(results, cancel.cancelled)
    sink.say(f"\n==> Wait completed after {humanize_duration(time.time() - started)}")
    if cancel.cancelled:
        sink.say("Cleanly cancelled builds after being interrupted.")
        _report_leftovers(sink, results)
        return 1
    failed = [r for r in results if not r.ok]
    if failed:
        sink.machine_event("", "error-count", str(len(failed)))
        sink.say("\n==> Some builds didn't complete successfully and had errors:", error=True)
        for result in failed:
            sink.say(f"--> {result.name}: {result.error}", error=True)
            sink.machine_event(result.name, "error", result.error)
    artifacts = [(r.name, a) for r in results for a in r.artifacts]
    if artifacts:
        sink.say("\n==> Builds finished. The artifacts of successful builds are:")
        for name, group in _by_build(artifacts):
            sink.machine_event(name, "artifact-count", str(len(group)))
            for index, artifact in enumerate(group):
                _machine_artifact(sink, name, index, artifact)
                sink.say(f"--> {name}: {artifact.string()}")
    else:
        sink.say("\n==> Builds finished but no artifacts were created.")
    _report_leftovers(sink, results)
    return 1 if failed else 0


def _report_leftovers(sink, results) -> None:
    """Name what cleanup could not remove, so it can be deleted by hand."""
    for result in results:
        for failure in result.cleanup_failures:
            sink.say(f"--> {result.name}: cleanup of {failure.step} failed: {failure.error}", error=True)


def _by_build(artifacts):
    grouped: dict[str, list] = {}
    for name, artifact in artifacts:
        grouped.setdefault(name, []).append(artifact)
    return grouped.items()


def _machine_artifact(sink, name: str, index: int, artifact) -> None:
    i = str(index)
    sink.machine_event(name, "artifact", i, "builder-id", artifact.builder_id)
    sink.machine_event(name, "artifact", i, "id", artifact.id)
    sink.machine_event(name, "artifact", i, "string", artifact.string())
    sink.machine_event(name, "artifact", i, "files-count", str(len(artifact.files)))
    for j, path in enumerate(artifact.files):
        sink.machine_event(name, "artifact", i, "file", str(j), path)
    sink.machine_event(name, "artifact", i, "end")


class _signals_cancel:
    """While open, SIGINT and SIGTERM cancel the builds (cleanup still runs) instead of killing the process."""

    def __init__(self, cancel, sink):
        self.cancel = cancel
        self.sink = sink
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if not self.cancel.cancelled:
            self.sink.say(f"Cancelling build after receiving {name}")
        self.cancel.cancel(f"Build was cancelled (received {name}).")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

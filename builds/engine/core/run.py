"""Running prepared builds: one builder run plus its post-processor chains, several builds in parallel."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.core.prepare import PreparedBuild
from builds.engine.hook import Hook
from builds.engine.ledger import FileLedger, Ledger
from builds.engine.state import BuildState
from builds.engine.steps import CleanupFailure, OnErrorPolicy, Runner
from builds.engine.ui import BuildUI, Interaction, Masker, Sink, StepEvent


@dataclass
class BuildResult:
    """How one build ended."""

    name: str
    artifacts: list[Artifact] = field(default_factory=list)
    error: str = ""
    cancelled: bool = False
    cleanup_failures: list[CleanupFailure] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    last_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.error and not self.cancelled

    @property
    def duration(self) -> float:
        return self.finished - self.started


@dataclass
class RunOptions:
    on_error: str = "cleanup"
    debug_pause: Callable[[str, str], None] | None = None  # (build, next step) -> returns to go on
    interaction: Interaction | None = None
    ledger: Ledger | None = None  # where temporary cloud resources are recorded (default: FileLedger())
    on_step: Callable[[StepEvent], None] | None = None  # told as each step starts and ends


def run_build(prepared: PreparedBuild, sink: Sink, cancel: CancelToken, options: RunOptions) -> BuildResult:
    """Run the builder's steps, then the post-processor chains; never raises for build failures."""
    result = BuildResult(prepared.name, started=time.time())
    ui = BuildUI(prepared.name, sink, Masker(prepared.secrets), options.interaction, on_step=options.on_step)
    hook: Hook = prepared.hook
    ledger = options.ledger if options.ledger is not None else FileLedger()
    build_id = f"{prepared.context.packer_run_uuid}-{uuid.uuid4().hex[:8]}"
    base = BuildState(ui=ui, cancel=cancel, hook=hook, build_name=prepared.name,
                      source_type=prepared.source.type,
                      source_name=prepared.source.local_name or prepared.source.name,
                      debug=prepared.context.debug, force=prepared.context.force,
                      build_id=build_id, ledger=ledger)
    state = prepared.builder.new_state(base)
    pause = None
    if options.debug_pause is not None:
        def pause(step: str) -> None:
            options.debug_pause(prepared.name, step)
    claim = getattr(ledger, "claim", None)
    if claim is not None:
        claim(build_id)
    try:
        Runner(prepared.builder.steps(), OnErrorPolicy(options.on_error), pause).run(state)
    finally:
        release = getattr(ledger, "release", None)
        if release is not None:
            release(build_id)
    result.cleanup_failures = list(state.cleanup_failures)
    if cancel.cancelled:
        result.cancelled = True
        result.error = cancel.reason or "Build was cancelled."
    elif state.error is not None:
        result.error = str(state.error) or repr(state.error)
    else:
        artifact = prepared.builder.artifact(state)
        if prepared.chains:
            from builds.engine.chains import run_chains

            outcome = run_chains(prepared.chains, artifact, ui, cancel)
            result.artifacts = list(outcome.artifacts)
            if outcome.errors:
                result.error = "\n".join(outcome.errors)
            if cancel.cancelled:
                result.cancelled = True
                result.error = result.error or cancel.reason
        elif artifact is not None:
            result.artifacts = [artifact]
    result.finished = time.time()
    result.last_seq = ui.last_seq
    return result


def run_builds(builds: list[PreparedBuild], sink: Sink, cancel: CancelToken, options: RunOptions,
               parallel: int = 0, on_finish: Callable[[BuildResult], None] | None = None) -> list[BuildResult]:
    """Run builds, at most ``parallel`` at a time (0: all at once); results in the builds' order."""
    results: list[BuildResult | None] = [None] * len(builds)
    limit = threading.Semaphore(parallel if parallel > 0 else max(len(builds), 1))

    def worker(index: int, prepared: PreparedBuild) -> None:
        with limit:
            if cancel.cancelled:
                results[index] = BuildResult(prepared.name, error=cancel.reason or "Build was cancelled.",
                                             cancelled=True, started=time.time(), finished=time.time())
            else:
                results[index] = run_build(prepared, sink, cancel, options)
        if on_finish is not None:
            on_finish(results[index])

    if len(builds) == 1:
        worker(0, builds[0])
    else:
        threads = [threading.Thread(target=worker, args=(i, b), name=f"build {b.name}", daemon=True)
                   for i, b in enumerate(builds)]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
    return [r for r in results if r is not None]

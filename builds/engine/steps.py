"""The step runner: a builder's recipe is a list of steps, run in order and cleaned up in reverse.

A step has exactly :meth:`Step.run` and :meth:`Step.cleanup`. The runner
calls ``cleanup`` for every step whose ``run`` started — the one that failed
or was cancelled included — in reverse order, and a failing cleanup is
reported and recorded, never raised over the original error. What happens on
an error is a policy wrapped around the steps (:class:`OnErrorPolicy`), not a
flag inside them.
"""

from __future__ import annotations

import enum
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from builds.engine.cancel import Cancelled
from builds.engine.ui import CANCELLED, CLEANUP, FAILED, OK, RUN

if TYPE_CHECKING:
    from builds.engine.state import BuildState


class Action(enum.Enum):
    CONTINUE = "continue"
    HALT = "halt"


class Step(Protocol):
    """One stage of a builder's recipe."""

    def run(self, state: BuildState) -> Action:
        """Do the work; on failure set ``state.error`` (or raise) and return HALT."""

    def cleanup(self, state: BuildState) -> None:
        """Undo what ``run`` created (it may have stopped half way); must not raise for "already gone"."""


class StepError(Exception):
    """A step failed in a way the user can act on; the message says what and where."""


@dataclass
class CleanupFailure:
    """A cleanup that did not complete: what was left behind and how to remove it by hand."""

    step: str
    error: str


class OnErrorPolicy:
    """Decides, after a failed build, whether cleanup runs (Packer's ``-on-error``).

    ``cleanup`` (the default) always cleans up; ``abort`` leaves everything as
    it is for debugging; ``ask`` asks the operator once; ``run-cleanup-provisioner``
    cleans up after the build has run its ``error-cleanup-provisioner``.
    """

    CHOICES = ("cleanup", "abort", "ask", "run-cleanup-provisioner")

    def __init__(self, mode: str = "cleanup"):
        if mode not in self.CHOICES:
            raise ValueError(f"-on-error must be one of {', '.join(self.CHOICES)}, not {mode!r}")
        self.mode = mode
        self._decision: bool | None = None

    def should_clean_up(self, step: Step, state: BuildState) -> bool:
        """Whether ``step``'s cleanup runs now that the build has ended."""
        if state.error is None or state.cancel.cancelled:
            return True  # success, or a cancel: always clean up
        if self.mode == "abort":
            return False
        if self.mode == "run-cleanup-provisioner":
            return getattr(step, "runs_error_cleanup_provisioner", False)
        if self.mode == "ask":
            if self._decision is None:
                self._decision = self._ask(state)
            return self._decision
        return True

    def _ask(self, state: BuildState) -> bool:
        while True:
            answer = state.ui.ask(f"Step {state.ui.step!r} failed: {state.error}\n"
                                  "[c] Clean up and exit, [a] abort without cleanup").strip().lower()
            if answer in ("c", "cleanup", ""):
                return True
            if answer in ("a", "abort"):
                return False


class Runner:
    """Runs steps in order; cleans up in reverse as the on-error policy allows.

    ``pause`` (``-debug``) is called after each step that succeeded, with its name.
    """

    def __init__(self, steps: Sequence[Step], policy: OnErrorPolicy | None = None,
                 pause: Callable[[str], None] | None = None):
        self.steps = list(steps)
        self.policy = policy or OnErrorPolicy()
        self.pause = pause

    def run(self, state: BuildState) -> None:
        started: list[Step] = []
        try:
            for step in self.steps:
                if state.cancel.cancelled:
                    break
                name = step_name(step)
                state.ui.step = name
                started.append(step)
                state.ui.step_event(name, RUN)
                action = self._run_one(step, state)
                state.ui.step_event(name, RUN, _outcome(action, state))
                if action is Action.HALT:
                    break
                if self.pause is not None:
                    self.pause(name)
        finally:
            self._cleanup(started, state)

    def _run_one(self, step: Step, state: BuildState) -> Action:
        try:
            action = step.run(state)
        except Cancelled:
            state.cancel.cancel()
            return Action.HALT
        except StepError as exc:
            state.error = exc
            return Action.HALT
        except Exception as exc:  # a plugin bug: keep the traceback for the log, then clean up
            state.error = exc
            state.ui.error(f"Internal error in {step_name(step)}: {exc!r}")
            for line in traceback.format_exc().rstrip().splitlines():
                state.ui.message(line)
            return Action.HALT
        if action is None:
            raise TypeError(f"{step_name(step)}.run must return an Action")
        if action is Action.HALT and state.error is None and not state.cancel.cancelled:
            state.error = StepError(f"{step_name(step)} halted the build")
        return action

    def _cleanup(self, started: list[Step], state: BuildState) -> None:
        skipped = False
        for step in reversed(started):
            if not self.policy.should_clean_up(step, state):
                skipped = True
                continue
            name = step_name(step)
            state.ui.step = name
            state.ui.step_event(name, CLEANUP)
            try:
                step.cleanup(state)
            except Exception as exc:
                failure = CleanupFailure(name, str(exc) or repr(exc))
                state.cleanup_failures.append(failure)
                state.ui.error(f"Cleanup of {name} failed: {failure.error}. What it created may still "
                               "exist; delete it by hand.")
                state.ui.step_event(name, CLEANUP, FAILED)
            else:
                state.ui.step_event(name, CLEANUP, OK)
        state.ui.step = ""
        if skipped:
            state.ui.error(f"Skipped cleanup (-on-error={self.policy.mode}): what the build created is left as "
                           "it is for debugging; remove it by hand.")


def _outcome(action: Action, state: BuildState) -> str:
    if action is Action.CONTINUE:
        return OK
    return CANCELLED if state.cancel.cancelled else FAILED


def step_name(step: object) -> str:
    """The name a step is shown under: its class name (``StepKeyPair``)."""
    return getattr(step, "name", "") or type(step).__name__

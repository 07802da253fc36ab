"""The engine's output: every line numbered, timestamped, tagged and masked before it leaves the engine.

A build writes through a :class:`BuildUI`; each line becomes a :class:`Line`
handed to a :class:`Sink` — the terminal renderer of the CLI, or the
dashboard's log sink. Values of sensitive variables are replaced by
``<sensitive>`` by the :class:`Masker` before any sink sees them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MASK = "<sensitive>"

# Streams a line can belong to.
SAY = "say"  # a step announcing what it does:  ==> null.web: Connecting...
MESSAGE = "message"  # detail under a step:         null.web: ...
ERROR = "error"  # something failed
STDOUT = "stdout"  # output of a command run on the machine
STDERR = "stderr"
MACHINE = "machine"  # machine-readable event (artifact, error-count, ...)

# Phases of the stretches of a build's timeline (StepEvent.phase).
RUN = "run"  # a builder step's run
CLEANUP = "cleanup"  # a builder step's cleanup
PROVISION = "provision"  # one provisioner, inside the provisioning step
POST_PROCESS = "post-process"  # one post-processor of a chain

# How a stretch ended (StepEvent.outcome); "" when it starts.
OK = "ok"
FAILED = "failed"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of build output."""

    seq: int  # per build, from 1, without gaps
    time: float  # UNIX time
    build: str  # the build's full name: "amazon-ebs.web" or "my-build.amazon-ebs.web"
    step: str  # the step or provisioner running, "" outside one
    stream: str  # one of SAY, MESSAGE, ERROR, STDOUT, STDERR, MACHINE
    text: str
    data: tuple[str, ...] = ()  # MACHINE lines: the event's fields

    def to_dict(self) -> dict:
        return {"seq": self.seq, "time": self.time, "build": self.build, "step": self.step,
                "stream": self.stream, "text": self.text, "data": list(self.data)}


@dataclass(frozen=True, slots=True)
class StepEvent:
    """A step, provisioner or post-processor of a build starting (``outcome`` "") or ending."""

    build: str
    step: str
    phase: str  # RUN, CLEANUP, PROVISION or POST_PROCESS
    time: float  # UNIX time
    outcome: str = ""  # OK, FAILED or CANCELLED once it ended


class Sink(Protocol):
    def emit(self, line: Line) -> None:
        """Take one line; called from build threads, so implementations must be thread-safe."""


class Masker:
    """Replaces secret values in text, also in their JSON-escaped, shell-quoted and base64 forms."""

    def __init__(self, secrets: list[str] | None = None):
        self._forms: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not isinstance(secret, str) or len(secret) < 3:
            return  # masking "a" or "" would garble every line
        forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1],
                 secret.replace("'", "'\"'\"'")}
        for raw in (secret.encode("utf-8"),):
            encoded = base64.b64encode(raw).decode("ascii")
            forms.add(encoded)
            forms.add(encoded.rstrip("="))
            forms.add(base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="))
        for form in forms:
            if form and form not in self._forms:
                self._forms.append(form)
        self._forms.sort(key=len, reverse=True)

    @property
    def active(self) -> bool:
        return bool(self._forms)

    def mask(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


class BuildUI:
    """What a build, its steps and plugins write through; numbers and masks every line.

    ``step`` is set by the runner as steps start; ``ask`` asks the person
    running the build a question (``-on-error=ask``, ``breakpoint``) through
    an :class:`Interaction` and returns the answer. ``on_step``, when given,
    receives a :class:`StepEvent` as each step, provisioner and
    post-processor starts and ends (the dashboard's timeline).
    """

    def __init__(self, build: str, sink: Sink, masker: Masker | None = None,
                 interaction: Interaction | None = None, clock: Callable[[], float] = time.time,
                 on_step: Callable[[StepEvent], None] | None = None):
        self.build = build
        self.sink = sink
        self.masker = masker or Masker()
        self.interaction = interaction
        self.on_step = on_step
        self.step = ""
        self._clock = clock
        self._seq = 0
        self._lock = threading.Lock()

    @property
    def last_seq(self) -> int:
        return self._seq

    def _emit(self, stream: str, text: str, data: tuple[str, ...] = ()) -> None:
        if data:
            data = tuple(self.masker.mask(d) for d in data)
        self._emit_masked(stream, self.masker.mask(text), data)

    def _emit_masked(self, stream: str, text: str, data: tuple[str, ...] = ()) -> None:
        with self._lock:
            self._seq += 1
            line = Line(self._seq, self._clock(), self.build, self.step, stream, text, data)
            self.sink.emit(line)

    def _emit_lines(self, stream: str, text: str) -> None:
        # Mask before splitting, so that a secret spanning lines (a private key) is found whole.
        text = self.masker.mask(text)
        for part in text.rstrip("\n").split("\n") if text else [""]:
            self._emit_masked(stream, part.rstrip("\r"))

    def say(self, text: str) -> None:
        self._emit_lines(SAY, text)

    def message(self, text: str) -> None:
        self._emit_lines(MESSAGE, text)

    def error(self, text: str) -> None:
        self._emit_lines(ERROR, text)

    def stdout(self, text: str) -> None:
        self._emit_lines(STDOUT, text)

    def stderr(self, text: str) -> None:
        self._emit_lines(STDERR, text)

    def machine(self, kind: str, *data: str) -> None:
        self._emit(MACHINE, kind, tuple(str(d) for d in data))

    def step_event(self, step: str, phase: str, outcome: str = "") -> None:
        """Report that ``step`` started (no ``outcome``) or ended with ``outcome`` to ``on_step``."""
        if self.on_step is not None:
            self.on_step(StepEvent(self.build, step, phase, self._clock(), outcome))

    def ask(self, question: str) -> str:
        if self.interaction is None:
            raise RuntimeError("this build cannot ask questions: it has no interaction attached")
        self._emit_lines(SAY, question)
        return self.interaction.ask(self.build, question)

    def pause(self, note: str) -> None:
        """Wait until the person running the build says to go on (``breakpoint``)."""
        if self.interaction is None:
            raise RuntimeError("this build cannot pause: it has no interaction attached")
        self.interaction.pause(self.build, note)


class Interaction(Protocol):
    """How a build asks its operator something: the terminal for the CLI, a button in the dashboard."""

    def ask(self, build: str, question: str) -> str:
        """Return the operator's answer to ``question``."""

    def pause(self, build: str, note: str) -> None:
        """Return once the operator says to continue."""


class ListSink:
    """A sink that keeps every line in memory (tests, short builds)."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self._lock = threading.Lock()

    def emit(self, line: Line) -> None:
        with self._lock:
            self.lines.append(line)

    def texts(self, stream: str | None = None) -> list[str]:
        return [line.text for line in self.lines if stream is None or line.stream == stream]


class FanOutSink:
    """Sends every line to several sinks (the terminal and a recorder, say)."""

    def __init__(self, *sinks: Sink):
        self.sinks = list(sinks)

    def emit(self, line: Line) -> None:
        for sink in self.sinks:
            sink.emit(line)

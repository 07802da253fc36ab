"""Build output for a terminal, shaped like Packer's: coloured ``==> name:`` lines, or machine-readable CSV."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from builds.engine.ui import ERROR, MACHINE, MESSAGE, SAY, STDERR, STDOUT, Line

# Packer's colours, in the order builds get them.
_COLORS = ("32", "36", "35", "33", "34")
_RED = "31"


def humanize_duration(seconds: float) -> str:
    """A duration as Packer prints it, in its two largest units: ``1 minute 30 seconds``."""
    micros = int(round(seconds * 1_000_000_000)) // 1000  # whole nanoseconds, then truncated, as Go does
    units = (("year", 31_536_000_000_000), ("week", 604_800_000_000), ("day", 86_400_000_000),
             ("hour", 3_600_000_000), ("minute", 60_000_000), ("second", 1_000_000), ("millisecond", 1000),
             ("microsecond", 1))
    parts = []
    for name, size in units:
        count, micros = divmod(micros, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def machine_escape(text: str) -> str:
    """Escape a field of a machine-readable line as Packer does (commas and newlines)."""
    return text.replace(",", "%!(PACKER_COMMA)").replace("\r", "\\r").replace("\n", "\\n")


class TerminalSink:
    """Writes build lines to a terminal stream; thread-safe.

    ``color`` gives each build one of Packer's colours (errors red); ``timestamps``
    prefixes each line with its UTC time (``-timestamp-ui``); ``machine`` writes
    Packer's ``timestamp,target,type,data...`` lines (``-machine-readable``).
    """

    def __init__(self, out: TextIO, *, color: bool = True, timestamps: bool = False, machine: bool = False):
        self.out = out
        self.color = color and not machine
        self.timestamps = timestamps
        self.machine = machine
        self._lock = threading.Lock()
        self._colors: dict[str, str] = {}

    def emit(self, line: Line) -> None:
        with self._lock:
            if self.machine:
                self._write_machine(line)
            else:
                self._write_human(line)
            self.out.flush()

    def say(self, text: str, build: str = "", error: bool = False) -> None:
        """A line that belongs to no build's steps (``Build 'x' finished``, ``==> Builds finished...``).

        ``error`` lines are red (``ui,error`` in machine-readable output).
        """
        with self._lock:
            if self.machine:
                kind = "error" if error else "say"
                self.out.write(f"{int(time.time())},,ui,{kind},{machine_escape(text)}\n")
            elif error:
                self.out.write(self._paint(self._stamp(text) if build else text, _RED, bold=True) + "\n")
            elif build:  # written through the build's own output, so timestamped and in its colour
                self.out.write(self._paint(self._stamp(text), self._colors.get(build, ""), bold=True) + "\n")
            else:
                self.out.write(text + "\n")
            self.out.flush()

    def announce(self, builds: list[str]) -> None:
        """Give each build its colour up front, in order, as Packer does before any build starts."""
        with self._lock:
            fresh = [b for b in builds if b not in self._colors]
            for build in fresh:
                self._colors[build] = _COLORS[len(self._colors) % len(_COLORS)]
                if self.color:
                    self.out.write(self._paint(f"{build}: output will be in this color.", self._colors[build],
                                               bold=True) + "\n")
            if fresh and self.color:
                self.out.write("\n")
            self.out.flush()

    def machine_event(self, build: str, kind: str, *data: str) -> None:
        """A machine-readable event outside a build's own lines (artifacts in the summary)."""
        if not self.machine:
            return
        with self._lock:
            fields = ",".join(machine_escape(str(d)) for d in data)
            self.out.write(f"{int(time.time())},{build},{kind}{',' + fields if data else ''}\n")
            self.out.flush()

    def _color_for(self, build: str) -> str:
        color = self._colors.get(build)
        if color is None:
            color = self._colors[build] = _COLORS[len(self._colors) % len(_COLORS)]
            if self.color:
                self.out.write(self._paint(f"{build}: output will be in this color.", color, bold=True) + "\n\n")
        return color

    def _stamp(self, text: str, at: float | None = None) -> str:
        if not self.timestamps:
            return text
        moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at if at is not None else time.time()))
        return f"{moment}: {text}"

    def _paint(self, text: str, color: str, bold: bool) -> str:
        if not self.color or not color:
            return text
        return f"\x1b[{'1' if bold else '0'};{color}m{text}\x1b[0m"

    def _write_human(self, line: Line) -> None:
        if line.stream == MACHINE:
            return
        color = self._color_for(line.build.split(" (", 1)[0])
        if line.stream in (SAY,):
            text, bold = f"==> {line.build}: {line.text}", True
        elif line.stream in (ERROR, STDERR):
            text, bold, color = f"==> {line.build}: {line.text}", True, _RED
        else:  # MESSAGE, STDOUT
            text, bold = f"    {line.build}: {line.text}", False
        self.out.write(self._paint(self._stamp(text.rstrip(), line.time), color, bold) + "\n")

    def _write_machine(self, line: Line) -> None:
        stamp = int(line.time)
        if line.stream == MACHINE:
            fields = ",".join(machine_escape(d) for d in line.data)
            self.out.write(f"{stamp},{line.build},{line.text}{',' + fields if fields else ''}\n")
            return
        kind = {SAY: "say", MESSAGE: "message", STDOUT: "message", ERROR: "error", STDERR: "error"}[line.stream]
        prefix = "==> " if kind in ("say", "error") else "    "
        text = (prefix + line.build + ": " + line.text).rstrip()  # as Packer trims a build's lines
        self.out.write(f"{stamp},,ui,{kind},{machine_escape(text)}\n")

"""Tests for terminal output: byte for byte Packer 1.6.6's shapes, coloured, plain, timestamped and machine-readable.

The expected texts are what ``packer build`` 1.6.6 prints for a ``null``
source with ``communicator = "none"`` and two ``shell-local`` provisioners
(the first prints ``hello, world  `` and an empty line, the second prints
``oops`` to stderr), with temporary paths, durations and times replaced.
When the packer binary is installed, the same template is also run and its
output compared with ours.
"""

import io
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from builds.engine.terminal import TerminalSink, humanize_duration, machine_escape
from builds.engine.ui import BuildUI

WHEN = 1795276717.25  # a build line's time: 2026-11-21T15:58:37Z
WHEN_TEXT = "2026-11-21T15:58:37Z"
FINISHED = "Build 'null.x' finished after 25 milliseconds 317 microseconds."
WAITED = "\n==> Wait completed after 25 milliseconds 477 microseconds"
ARTIFACT = "Did not export anything. This is the null builder"

COLOURED = (
    "\x1b[1;32mnull.x: output will be in this color.\x1b[0m\n"
    "\n"
    "\x1b[1;32m==> null.x: Running local shell script: /tmp/packer-shell1\x1b[0m\n"
    "\x1b[0;32m    null.x: hello, world\x1b[0m\n"
    "\x1b[0;32m    null.x:\x1b[0m\n"
    "\x1b[1;32m==> null.x: Running local shell script: /tmp/packer-shell2\x1b[0m\n"
    "\x1b[1;31m==> null.x: oops\x1b[0m\n"
    f"\x1b[1;32m{FINISHED}\x1b[0m\n"
    "\n"
    "==> Wait completed after 25 milliseconds 477 microseconds\n"
    "\n"
    "==> Builds finished. The artifacts of successful builds are:\n"
    f"--> null.x: {ARTIFACT}\n"
)

PLAIN = (
    "==> null.x: Running local shell script: /tmp/packer-shell1\n"
    "    null.x: hello, world\n"
    "    null.x:\n"
    "==> null.x: Running local shell script: /tmp/packer-shell2\n"
    "==> null.x: oops\n"
    f"{FINISHED}\n"
    "\n"
    "==> Wait completed after 25 milliseconds 477 microseconds\n"
    "\n"
    "==> Builds finished. The artifacts of successful builds are:\n"
    f"--> null.x: {ARTIFACT}\n"
)

TIMESTAMPED = (
    "\x1b[1;32mnull.x: output will be in this color.\x1b[0m\n"
    "\n"
    f"\x1b[1;32m{WHEN_TEXT}: ==> null.x: Running local shell script: /tmp/packer-shell1\x1b[0m\n"
    f"\x1b[0;32m{WHEN_TEXT}:     null.x: hello, world\x1b[0m\n"
    f"\x1b[0;32m{WHEN_TEXT}:     null.x:\x1b[0m\n"
    f"\x1b[1;32m{WHEN_TEXT}: ==> null.x: Running local shell script: /tmp/packer-shell2\x1b[0m\n"
    f"\x1b[1;31m{WHEN_TEXT}: ==> null.x: oops\x1b[0m\n"
    f"\x1b[1;32m<now>: {FINISHED}\x1b[0m\n"
    "\n"
    "==> Wait completed after 25 milliseconds 477 microseconds\n"
    "\n"
    "==> Builds finished. The artifacts of successful builds are:\n"
    f"--> null.x: {ARTIFACT}\n"
)

MACHINE = (
    "1795276717,,ui,say,==> null.x: Running local shell script: /tmp/packer-shell1\n"
    "1795276717,,ui,message,    null.x: hello%!(PACKER_COMMA) world\n"
    "1795276717,,ui,message,    null.x:\n"
    "1795276717,,ui,say,==> null.x: Running local shell script: /tmp/packer-shell2\n"
    "1795276717,,ui,error,==> null.x: oops\n"
    f"<now>,,ui,say,{FINISHED}\n"
    "<now>,,ui,say,\\n==> Wait completed after 25 milliseconds 477 microseconds\n"
    "<now>,,ui,say,\\n==> Builds finished. The artifacts of successful builds are:\n"
    "<now>,null.x,artifact-count,1\n"
    "<now>,null.x,artifact,0,builder-id,fnoeding.null\n"
    "<now>,null.x,artifact,0,id,Null\n"
    f"<now>,null.x,artifact,0,string,{ARTIFACT}\n"
    "<now>,null.x,artifact,0,files-count,0\n"
    "<now>,null.x,artifact,0,end\n"
    f"<now>,,ui,say,--> null.x: {ARTIFACT}\n"
)


def replay(**options) -> str:
    """Write through a TerminalSink what the packer run of the module docstring writes."""
    out = io.StringIO()
    sink = TerminalSink(out, **options)
    ui = BuildUI("null.x", sink, clock=lambda: WHEN)
    ui.say("Running local shell script: /tmp/packer-shell1")
    ui.stdout("hello, world  ")
    ui.stdout("")
    ui.say("Running local shell script: /tmp/packer-shell2")
    ui.stderr("oops")
    sink.say(FINISHED, "null.x")
    sink.say(WAITED)
    sink.say("\n==> Builds finished. The artifacts of successful builds are:")
    sink.machine_event("null.x", "artifact-count", "1")
    for field, value in (("builder-id", "fnoeding.null"), ("id", "Null"), ("string", ARTIFACT),
                         ("files-count", "0")):
        sink.machine_event("null.x", "artifact", "0", field, value)
    sink.machine_event("null.x", "artifact", "0", "end")
    sink.say(f"--> null.x: {ARTIFACT}")
    return out.getvalue()


def current_times_replaced(text: str) -> str:
    """Replace the times our sink took from the clock (not from a line) by ``<now>``."""
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lambda m: m[0] if m[0] == WHEN_TEXT else "<now>", text)
    return re.sub(r"^(\d+),", lambda m: m[0] if m[1] == str(int(WHEN)) else "<now>,", text, flags=re.MULTILINE)


def test_coloured_output_matches_packer_byte_for_byte():
    assert replay() == COLOURED


def test_plain_output_with_color_false_matches_packer_and_announces_no_colour():
    assert replay(color=False) == PLAIN


def test_timestamped_output_prefixes_build_lines_inside_the_colour_and_leaves_summary_lines_alone():
    assert current_times_replaced(replay(timestamps=True)) == TIMESTAMPED


def test_machine_readable_output_matches_packer_with_empty_targets_for_ui_lines():
    assert current_times_replaced(replay(machine=True)) == MACHINE


def test_machine_readable_output_ignores_colour_and_timestamps():
    assert current_times_replaced(replay(machine=True, color=True, timestamps=True)) == MACHINE


def test_machine_readable_build_events_carry_the_build_as_target():
    out = io.StringIO()
    ui = BuildUI("null.x", TerminalSink(out, machine=True), clock=lambda: WHEN)

    ui.machine("artifact", "0", "string", "a, b\nc")

    assert out.getvalue() == "1795276717,null.x,artifact,0,string,a%!(PACKER_COMMA) b\\nc\n"


def test_machine_events_are_not_written_in_human_mode():
    out = io.StringIO()
    sink = TerminalSink(out)
    ui = BuildUI("null.x", sink, clock=lambda: WHEN)

    ui.machine("artifact-count", "1")
    sink.machine_event("null.x", "artifact-count", "1")

    assert out.getvalue() == ""


def test_machine_escape_escapes_commas_and_line_breaks():
    assert machine_escape("a,b\r\nc") == "a%!(PACKER_COMMA)b\\r\\nc"


def test_each_build_gets_the_next_of_packers_colours_and_errors_are_red():
    out = io.StringIO()
    sink = TerminalSink(out)
    names = ["null.a", "null.b", "null.c", "null.d", "null.e", "null.f"]
    for name in names:
        BuildUI(name, sink).say("hi")
    BuildUI("null.a", sink).error("failed")

    said = re.findall(r"\x1b\[1;(\d+)m==> (null\.\w): hi", out.getvalue())
    assert said == list(zip(["32", "36", "35", "33", "34", "32"], names, strict=True))
    assert out.getvalue().endswith("\x1b[1;31m==> null.a: failed\x1b[0m\n")


def test_trailing_whitespace_of_a_build_line_is_trimmed_but_leading_whitespace_kept():
    out = io.StringIO()
    ui = BuildUI("null.x", TerminalSink(out, color=False))

    ui.stdout("   indented \t ")
    ui.say("")

    assert out.getvalue() == "    null.x:    indented\n==> null.x:\n"


def test_lines_from_many_threads_are_never_interleaved():
    out = io.StringIO()
    sink = TerminalSink(out, color=False)
    uis = [BuildUI(f"null.b{i}", sink) for i in range(4)]

    def write(ui):
        for n in range(200):
            ui.stdout(f"line {n} " + "x" * 50)

    threads = [threading.Thread(target=write, args=(ui,)) for ui in uis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = out.getvalue().splitlines()
    assert len(lines) == 4 * 200
    assert all(re.fullmatch(r"    null\.b\d: line \d+ x{50}", line) for line in lines)


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 seconds"),
    (0.000001, "1 microsecond"),
    (0.015201, "15 milliseconds 201 microseconds"),
    (0.0253174, "25 milliseconds 317 microseconds"),
    (1, "1 second"),
    (1.5, "1 second 500 milliseconds"),
    (2.0000004, "2 seconds"),
    (62, "1 minute 2 seconds"),
    (62.75, "1 minute 2 seconds"),
    (120.000250, "2 minutes 250 microseconds"),
    (3600, "1 hour"),
    (7322.5, "2 hours 2 minutes"),
    (90061, "1 day 1 hour"),
    (8 * 86400 + 5, "1 week 1 day"),
    (366 * 86400, "1 year 1 day"),
])
def test_humanize_duration_uses_packers_wording_and_first_two_units(seconds, text):
    assert humanize_duration(seconds) == text


def test_humanize_duration_truncates_below_a_microsecond_as_go_does():
    assert humanize_duration(1.9999996) == "1 second 999 milliseconds"


PACKER = shutil.which("packer")

TEMPLATE = """
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo 'hello, world  '", "echo ''"]
  }
  provisioner "shell-local" {
    inline = ["echo oops >&2"]
  }
}
"""


def normalised(text: str) -> str:
    text = re.sub(r"\S*packer-shell\d+", "<script>", text)
    text = re.sub(r"after \d+ [a-z]+( \d+ [a-z]+)?", "after <duration>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)
    return re.sub(r"^\d+,", "<time>,", text, flags=re.MULTILINE)


@pytest.mark.skipif(PACKER is None, reason="needs the packer binary")
@pytest.mark.parametrize(("flags", "options"), [
    ([], {}),
    (["-color=false"], {"color": False}),
    (["-timestamp-ui"], {"timestamps": True}),
    (["-machine-readable"], {"machine": True}),
], ids=["coloured", "plain", "timestamped", "machine-readable"])
def test_output_has_the_shape_packer_prints(tmp_path, flags, options):
    (tmp_path / "t.pkr.hcl").write_text(TEMPLATE)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "TMPDIR": str(tmp_path),
           "CHECKPOINT_DISABLE": "1"}
    started = time.time()
    run = subprocess.run([PACKER, "build", *flags, "t.pkr.hcl"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert time.time() - started < 30

    assert normalised(replay(**options)) == normalised(run.stdout)

"""Tests of running local commands: streaming, exit status, environment, errors and cancellation."""

import os
import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.localexec import LocalExecError, clean_output_line, run


def test_lines_reach_the_callbacks_in_order_without_line_endings():
    out, err = [], []
    status = run(["/bin/sh", "-c", "echo one; echo two >&2; printf 'three\\r\\n'; printf 'no newline'"],
                 cancel=CancelToken(), stdout=out.append, stderr=err.append)
    assert status == 0
    assert out == ["one", "three", "no newline"]
    assert err == ["two"]


def test_output_is_delivered_while_the_command_still_runs():
    seen = []
    first_line = threading.Event()

    def on_line(line):
        seen.append((line, time.monotonic()))
        first_line.set()

    started = time.monotonic()
    run(["/bin/sh", "-c", "echo early; sleep 0.5; echo late"], cancel=CancelToken(), stdout=on_line)
    assert [line for line, _ in seen] == ["early", "late"]
    assert seen[0][1] - started < 0.4
    assert seen[1][1] - seen[0][1] >= 0.4


def test_exit_status_is_returned():
    assert run(["/bin/sh", "-c", "exit 7"], cancel=CancelToken()) == 7


def test_a_process_killed_by_a_signal_reports_128_plus_the_signal():
    assert run(["/bin/sh", "-c", "kill -9 $$"], cancel=CancelToken()) == 137


def test_environment_and_working_directory_are_used(tmp_path):
    out = []
    run(["/bin/sh", "-c", 'echo "$GREETING"; pwd'], cancel=CancelToken(), stdout=out.append,
        env={"GREETING": "hi there", "PATH": os.environ["PATH"]}, cwd=str(tmp_path))
    assert out == ["hi there", str(tmp_path)]


def test_stdin_is_fed_to_the_command():
    out = []
    run(["cat"], cancel=CancelToken(), stdout=out.append, stdin=b"a\nb\n")
    assert out == ["a", "b"]


def test_a_missing_program_is_a_clear_error():
    with pytest.raises(LocalExecError, match="cannot run 'no-such-program-xyz': no such file or program"):
        run(["no-such-program-xyz"], cancel=CancelToken())


def test_cancel_kills_the_whole_process_group_and_returns_quickly(tmp_path):
    marker = tmp_path / "child.pid"
    token = CancelToken()
    lines = []

    def on_line(line):
        lines.append(line)
        token.cancel("stop")

    started = time.monotonic()
    with pytest.raises(Cancelled, match="stop"):
        run(["/bin/sh", "-c", f"sleep 30 & echo $! > {marker}; echo running; wait"],
            cancel=token, stdout=on_line)
    assert time.monotonic() - started < 5
    assert lines == ["running"]
    child = int(marker.read_text())
    deadline = time.monotonic() + 2
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_a_command_ignoring_sigterm_is_killed_after_the_grace_period():
    token = CancelToken()
    ready = threading.Event()
    safety_net = threading.Timer(5, token.cancel)  # in case the ready line never comes
    safety_net.daemon = True
    safety_net.start()

    def on_line(line):
        ready.set()
        token.cancel()

    started = time.monotonic()
    with pytest.raises(Cancelled):
        run(["/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"], cancel=token,
            stdout=on_line, kill_grace=0.5)
    safety_net.cancel()
    assert ready.is_set()
    assert 0.4 < time.monotonic() - started < 4


def test_an_already_cancelled_token_starts_nothing(tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run(["/bin/sh", "-c", f"touch {tmp_path / 'ran'}"], cancel=token)
    assert not (tmp_path / "ran").exists()


def test_a_failing_callback_is_raised_after_the_process_ends():
    def explode(line):
        raise RuntimeError(f"bad line {line}")

    with pytest.raises(RuntimeError, match="bad line x"):
        run(["/bin/sh", "-c", "echo x; echo y"], cancel=CancelToken(), stdout=explode)


def test_clean_output_line_keeps_what_a_terminal_would_show():
    assert clean_output_line("progress 10%\rprogress 100%   ") == "progress 100%"
    assert clean_output_line("  indented\t") == "  indented"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False

"""Tests for SSHCommunicator.run against a real sshd: streaming, exit status, pty, cancel, reconnect, reuse."""

import os
import random
import signal
import subprocess
import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.base import RemoteCommand
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from tests.fixtures.sshd import signal_quietly


def _unique_sleep() -> str:
    """A sleep duration no other process on the machine is likely to use, to find it with pgrep."""
    return f"3{random.randint(0, 9)}.{random.randint(100000, 999999)}"


def _remote_processes(pattern: str) -> list[str]:
    found = subprocess.run(["pgrep", "-u", "imagehub-test", "-f", pattern], capture_output=True, text=True)
    return found.stdout.split()


def _wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_run_returns_exit_status_and_output_lines(communicator, output):
    status = communicator.run(output.command("echo one; echo two; id -un; exit 3"), CancelToken())

    assert status == 3
    assert output.stream("out") == ["one", "two", "imagehub-test"]


@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_exit_status_is_returned_as_is(communicator, code):
    assert communicator.run(RemoteCommand(f"exit {code}"), CancelToken()) == code


def test_command_killed_by_a_signal_reports_255_like_ssh(communicator):
    assert communicator.run(RemoteCommand("kill -9 $$"), CancelToken()) == 255


def test_output_lines_arrive_while_the_command_runs(communicator):
    arrivals: dict[str, float] = {}
    command = RemoteCommand("echo first; sleep 0.6; echo second",
                            stdout=lambda line: arrivals.setdefault(line, time.monotonic()))

    communicator.run(command, CancelToken())

    assert list(arrivals) == ["first", "second"]
    assert arrivals["second"] - arrivals["first"] > 0.4


def test_stdout_and_stderr_interleave_in_arrival_order(communicator, output):
    script = "; ".join(f"echo out{i}; sleep 0.05; echo err{i} >&2; sleep 0.05" for i in range(4))

    communicator.run(output.command(script), CancelToken())

    expected = []
    for i in range(4):
        expected += [("out", f"out{i}"), ("err", f"err{i}")]
    assert output.lines == expected


def test_many_lines_keep_their_order(communicator, output):
    communicator.run(output.command("seq 1 5000"), CancelToken())

    assert output.stream("out") == [str(i) for i in range(1, 5001)]


def test_last_line_without_newline_is_delivered(communicator, output):
    communicator.run(output.command("printf 'a\\nb'; printf 'c' >&2"), CancelToken())

    assert output.lines == [("out", "a"), ("out", "b"), ("err", "c")]


def test_invalid_utf8_is_replaced_not_fatal(communicator, output):
    communicator.run(output.command("printf 'caf\\303\\251 \\377\\n'"), CancelToken())

    assert output.stream("out") == ["café \ufffd"]


def test_stdin_is_passed_to_the_command(communicator, output):
    communicator.run(output.command("tr a-z A-Z", stdin=b"hello\nworld\n"), CancelToken())

    assert output.stream("out") == ["HELLO", "WORLD"]


def test_command_reading_stdin_sees_end_of_input(communicator, output):
    status = communicator.run(output.command("cat; echo done"), CancelToken())

    assert status == 0
    assert output.stream("out") == ["done"]


def test_without_pty_the_command_has_no_terminal(communicator):
    assert communicator.run(RemoteCommand("test -t 1"), CancelToken()) == 1


def test_with_ssh_pty_the_command_runs_on_a_terminal(make_communicator, output):
    communicator = make_communicator(ssh_pty=True)

    status = communicator.run(output.command("test -t 1 && tty && echo done"), CancelToken())

    assert status == 0
    lines = output.stream("out")
    assert lines[0].startswith("/dev/pts/")
    assert lines[1] == "done"  # carriage returns of the terminal's line endings are removed


def test_cancel_kills_the_remote_command_and_raises_cancelled(communicator):
    duration = _unique_sleep()
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        communicator.run(RemoteCommand(f"sleep {duration}; echo not reached"), cancel)

    assert time.monotonic() - started < 1.5
    assert _wait_until(lambda: not _remote_processes(f"sleep {duration}"))


def test_cancel_kills_a_command_that_ignores_sigterm(communicator):
    duration = _unique_sleep()
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        communicator.run(RemoteCommand(f"trap '' TERM; sleep {duration}; true"), cancel)

    assert time.monotonic() - started < 2.0
    assert _wait_until(lambda: not _remote_processes(f"sleep {duration}"))


def test_cancel_with_a_pty_kills_the_remote_command(make_communicator):
    communicator = make_communicator(ssh_pty=True)
    duration = _unique_sleep()
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()

    with pytest.raises(Cancelled):
        communicator.run(RemoteCommand(f"sleep {duration}"), cancel)

    assert _wait_until(lambda: not _remote_processes(f"sleep {duration}"))


def test_connection_survives_a_cancelled_command(communicator, output):
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    with pytest.raises(Cancelled):
        communicator.run(RemoteCommand(f"sleep {_unique_sleep()}"), cancel)

    communicator.run(output.command("echo still here"), CancelToken())

    assert output.stream("out") == ["still here"]
    assert communicator.connections_made == 1


def test_run_with_a_cancelled_token_does_not_start_the_command(communicator, remote_dir):
    cancel = CancelToken()
    cancel.cancel()

    with pytest.raises(Cancelled):
        communicator.run(RemoteCommand(f"touch {remote_dir}/ran"), cancel)

    assert not os.path.exists(f"{remote_dir}/ran")


def test_fifty_commands_share_one_connection(sshd, communicator):
    accepted = sshd.connections_accepted()

    statuses = [communicator.run(RemoteCommand(f"exit {i % 3}"), CancelToken()) for i in range(50)]

    assert statuses == [i % 3 for i in range(50)]
    assert sshd.connections_accepted() == accepted
    assert communicator.connections_made == 1


def test_command_cut_off_by_a_lost_connection_returns_minus_one(sshd, make_communicator):
    before = set(sshd.connection_processes())
    communicator = make_communicator()
    threading.Timer(0.4, sshd.kill_connections, args=(before,)).start()

    status = communicator.run(RemoteCommand(f"sleep {_unique_sleep()}"), CancelToken())

    assert status == -1


def test_next_command_after_a_lost_connection_connects_again(sshd, make_communicator, output):
    before = set(sshd.connection_processes())
    communicator = make_communicator()
    communicator.run(RemoteCommand("true"), CancelToken())
    sshd.kill_connections(spare=before)
    accepted = sshd.connections_accepted()

    status = communicator.run(output.command("echo back"), CancelToken())

    assert status == 0
    assert output.stream("out") == ["back"]
    assert communicator.connections_made == 2
    assert sshd.connections_accepted() == accepted + 1


def test_reconnect_failure_says_the_connection_was_lost(sshd_factory):
    server = sshd_factory()
    communicator = SSHCommunicator(SSHConfig.from_arguments(server.arguments(
        ssh_timeout="1s", ssh_private_key_file=None, ssh_password=server.password)))
    communicator.connect(CancelToken())
    try:
        server.stop()
        _wait_until(lambda: not communicator._connection.is_active())

        with pytest.raises(Exception) as raised:
            communicator.run(RemoteCommand("true"), CancelToken())

        assert "connection to 127.0.0.1" in str(raised.value)
        assert "connecting again failed" in str(raised.value)
    finally:
        communicator.disconnect()


def test_silent_server_trips_the_read_write_timeout(sshd, make_communicator):
    before = set(sshd.connection_processes())
    communicator = make_communicator(ssh_keep_alive_interval="200ms", ssh_read_write_timeout="1s")
    frozen: set[int] = set()

    def freeze() -> None:
        frozen.update(set(sshd.connection_processes()) - before)
        for pid in frozen:
            signal_quietly(pid, signal.SIGSTOP)

    threading.Timer(0.3, freeze).start()
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as raised:
            communicator.run(RemoteCommand(f"sleep {_unique_sleep()}"), CancelToken())
    finally:
        for pid in frozen:
            signal_quietly(pid, signal.SIGKILL)  # sshd may reap it at once: then the SIGCONT finds nothing
            signal_quietly(pid, signal.SIGCONT)

    assert "ssh_read_write_timeout" in str(raised.value)
    assert time.monotonic() - started < 4


def test_run_before_connect_is_a_programming_error(sshd):
    communicator = SSHCommunicator(SSHConfig.from_arguments(sshd.arguments()))

    with pytest.raises(RuntimeError, match="before connect"):
        communicator.run(RemoteCommand("true"), CancelToken())


def test_disconnect_is_safe_twice(communicator):
    communicator.disconnect()
    communicator.disconnect()

    with pytest.raises(RuntimeError):
        communicator.run(RemoteCommand("true"), CancelToken())

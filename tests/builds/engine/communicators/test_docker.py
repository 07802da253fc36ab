"""The docker communicator against a real daemon: commands, exit codes, users, files and cancellation."""

from __future__ import annotations

import io
import os
import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.base import CommunicatorError, RemoteCommand
from builds.engine.communicators.docker import DockerCommunicator


@pytest.fixture
def container(make_container):
    """A fresh container, for tests that stop it, remove it or need a user of their own."""
    return make_container()


@pytest.fixture(scope="module")
def shared_container(dockerd, docker_api_client):
    """One container for the tests that only run commands and move files (each under paths of its own)."""
    from builds.engine.builders.docker.driver import DockerDriver

    driver = DockerDriver(docker_api_client)
    container_id = driver.run_container(["-d", "-i", "-t", "--network=none", "--entrypoint=/bin/sh", "--",
                                         dockerd.base_image])
    yield container_id
    driver.kill_container(container_id)


@pytest.fixture
def comm(docker_api_client, shared_container):
    communicator = DockerCommunicator(docker_api_client, shared_container)
    communicator.connect(CancelToken())
    return communicator


def run(comm: DockerCommunicator, command: str, stdin: bytes | None = None) -> tuple[int, list[str], list[str]]:
    out: list[str] = []
    err: list[str] = []
    code = comm.run(RemoteCommand(command, out.append, err.append, stdin), CancelToken())
    return code, out, err


def sh(comm: DockerCommunicator, command: str) -> str:
    code, out, err = run(comm, command)
    assert code == 0, (command, out, err)
    return "\n".join(out)


def live_sleeps(comm: DockerCommunicator) -> list[str]:
    """The ``sleep`` processes in the container that are not zombies (killed, waiting to be reaped)."""
    lines = sh(comm, "cat /proc/[0-9]*/stat 2>/dev/null").splitlines()
    return [line for line in lines if "(sleep)" in line and line.rsplit(")", 1)[1].split()[0] != "Z"]


# Commands


def test_run_delivers_stdout_and_stderr_lines_separately_in_order(comm):
    code, out, err = run(comm, "echo one; echo two >&2; echo three; printf 'no newline'")
    assert code == 0
    assert out == ["one", "three", "no newline"]
    assert err == ["two"]


@pytest.mark.parametrize("command, expected", [("true", 0), ("exit 3", 3), ("exit 255", 255),
                                               ("no-such-command-here", 127)])
def test_run_returns_the_exit_status_of_the_command(comm, command, expected):
    assert run(comm, command)[0] == expected


def test_run_streams_lines_as_they_are_printed(comm):
    seen: list[tuple[str, float]] = []
    started = time.monotonic()
    comm.run(RemoteCommand("echo early; sleep 0.5; echo late",
                           stdout=lambda line: seen.append((line, time.monotonic() - started))), CancelToken())
    assert [line for line, _ in seen] == ["early", "late"]
    assert seen[1][1] - seen[0][1] > 0.35


def test_run_feeds_stdin_and_then_end_of_file(comm):
    assert run(comm, "cat; echo done", stdin=b"first\nsecond\n")[1] == ["first", "second", "done"]
    assert run(comm, "cat; echo eof")[1] == ["eof"]


def test_large_stdin_does_not_block_a_command_that_prints_before_reading(comm):
    payload = b"x" * 4_000_000
    code, out, _ = run(comm, "seq 1 300000; wc -c", stdin=payload)  # 2 MB out before any input is read
    assert (code, len(out), out[-2:]) == (0, 300001, ["300000", "4000000"])


def test_run_decodes_utf8_and_replaces_invalid_bytes(comm):
    out = run(comm, "printf 'caf\\303\\251\\n'; printf 'bad \\377 byte\\n'")[1]
    assert out == ["café", "bad \ufffd byte"]


def test_exec_user_runs_commands_as_that_user(docker_api_client, shared_container):
    comm = DockerCommunicator(docker_api_client, shared_container, exec_user="builder")
    comm.connect(CancelToken())
    assert sh(comm, "id -u; id -g") == "1000\n1000"


def test_pty_gives_commands_a_terminal_and_merges_stderr_into_stdout(docker_api_client, shared_container):
    comm = DockerCommunicator(docker_api_client, shared_container, pty=True)
    comm.connect(CancelToken())
    code, out, err = run(comm, "test -t 1 && echo tty; echo oops >&2; exit 5")
    assert (code, out, err) == (5, ["tty", "oops"], [])


def test_pty_echoes_input_like_a_terminal_and_hides_the_wrapper_line(docker_api_client, shared_container):
    comm = DockerCommunicator(docker_api_client, shared_container, pty=True)
    comm.connect(CancelToken())
    code, out, err = run(comm, "read a; read b; echo got $a $b", stdin=b"hello\nworld\n")
    assert (code, err) == (0, [])
    assert sorted(out) == ["got hello world", "hello", "world"]  # the terminal echoes the input
    # a last line without a newline still reaches the command, followed by end-of-file
    assert "".join(run(comm, "cat; echo", stdin=b"partial")[1]) == "partialpartial"


def test_commands_do_not_see_a_terminal_by_default(comm):
    assert run(comm, "test -t 1")[0] == 1


# Cancellation


def _cancel_later(cancel: CancelToken, delay: float) -> None:
    threading.Timer(delay, cancel.cancel, args=("stop requested",)).start()


def test_cancel_kills_a_long_sleep_within_a_second(comm):
    cancel = CancelToken()
    _cancel_later(cancel, 0.3)
    started = time.monotonic()
    with pytest.raises(Cancelled, match="stop requested"):
        comm.run(RemoteCommand("sleep 60"), cancel)
    assert time.monotonic() - started < 1.3
    assert live_sleeps(comm) == []


def test_cancel_kills_the_whole_process_tree(comm):
    cancel = CancelToken()
    _cancel_later(cancel, 0.3)
    with pytest.raises(Cancelled):
        comm.run(RemoteCommand("sleep 61 & (sleep 62; echo never) & sleep 63; wait"), cancel)
    assert live_sleeps(comm) == []


def test_cancel_kills_a_command_running_as_another_user(docker_api_client, shared_container):
    comm = DockerCommunicator(docker_api_client, shared_container, exec_user="1000")
    comm.connect(CancelToken())
    cancel = CancelToken()
    _cancel_later(cancel, 0.3)
    with pytest.raises(Cancelled):
        comm.run(RemoteCommand("sleep 60"), cancel)
    assert live_sleeps(comm) == []


def test_cancel_kills_a_command_on_a_terminal(docker_api_client, shared_container):
    comm = DockerCommunicator(docker_api_client, shared_container, pty=True)
    comm.connect(CancelToken())
    cancel = CancelToken()
    _cancel_later(cancel, 0.3)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        comm.run(RemoteCommand("sleep 60"), cancel)
    assert time.monotonic() - started < 1.3
    assert live_sleeps(comm) == []


def test_a_cancelled_token_runs_nothing(comm):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        comm.run(RemoteCommand("touch /tmp/cancelled-ran"), cancel)
    assert run(comm, "test -e /tmp/cancelled-ran")[0] == 1


# Connection


def test_connect_refuses_a_container_that_is_not_running(docker_api_client, container):
    docker_api_client.api.kill(container)
    comm = DockerCommunicator(docker_api_client, container)
    with pytest.raises(CommunicatorError, match=r"is not running \(status exited\)"):
        comm.connect(CancelToken())


def test_run_in_a_removed_container_is_a_communicator_error(docker_api_client, container):
    comm = DockerCommunicator(docker_api_client, container)
    comm.connect(CancelToken())
    docker_api_client.api.remove_container(container, force=True)
    with pytest.raises(CommunicatorError, match="Cannot run a command in container"):
        comm.run(RemoteCommand("true"), CancelToken())


def test_connect_reads_the_container_user(docker_api_client, make_container):
    comm = DockerCommunicator(docker_api_client, make_container("--user=builder"))
    comm.connect(CancelToken())
    assert comm.container_user == "builder"
    assert sh(comm, "id -un") == "builder"


# Files


def test_upload_writes_the_file_with_the_given_mode_owned_by_root(comm):
    comm.upload("/tmp/script.sh", io.BytesIO(b"#!/bin/sh\necho hi\n"), mode=0o750)
    assert sh(comm, "stat -c '%a %u %s' /tmp/script.sh; /tmp/script.sh") == "750 0 18\nhi"


def test_upload_without_a_mode_gives_0644_and_replaces_an_existing_file(comm):
    sh(comm, "echo old > /tmp/f; chmod 600 /tmp/f")
    comm.upload("/tmp/f", io.BytesIO(b"new"))
    assert sh(comm, "stat -c %a /tmp/f; cat /tmp/f") == "644\nnew"


def test_upload_hands_files_to_the_container_user(docker_api_client, make_container):
    comm = DockerCommunicator(docker_api_client, make_container("--user=builder"))
    comm.connect(CancelToken())
    comm.upload("/home/builder/note", io.BytesIO(b"x"))
    assert sh(comm, "stat -c %U /home/builder/note") == "builder"


def test_upload_keeps_root_ownership_without_fix_upload_owner(docker_api_client, make_container):
    comm = DockerCommunicator(docker_api_client, make_container("--user=builder"), fix_upload_owner=False)
    comm.connect(CancelToken())
    comm.upload("/tmp/note", io.BytesIO(b"x"))
    assert sh(comm, "stat -c %U /tmp/note") == "root"


def test_upload_into_a_missing_directory_says_so(comm):
    with pytest.raises(CommunicatorError, match="/no/such/dir"):
        comm.upload("/no/such/dir/file", io.BytesIO(b"x"))


def test_upload_of_a_large_file_arrives_intact(comm):
    payload = os.urandom(3 * 1024 * 1024)
    comm.upload("/tmp/big", io.BytesIO(payload))
    back = io.BytesIO()
    comm.download("/tmp/big", back)
    assert back.getvalue() == payload


def _local_tree(root) -> str:
    (root / "app" / "lib").mkdir(parents=True)
    (root / "app" / "run.sh").write_text("#!/bin/sh\n")
    (root / "app" / "run.sh").chmod(0o755)
    (root / "app" / "secret").write_text("s")
    (root / "app" / "secret").chmod(0o600)
    (root / "app" / "lib" / "mod.txt").write_text("m")
    (root / "app" / "cache").mkdir()
    (root / "app" / "cache" / "junk").write_text("j")
    (root / "app" / "link").symlink_to("run.sh")
    return str(root / "app")


def test_upload_dir_without_trailing_slash_copies_the_directory_itself(comm, tmp_path):
    local = _local_tree(tmp_path)
    comm.upload_dir("/opt/new/place", local)
    listing = sh(comm, "cd /opt/new/place && find . | sort && stat -c '%n %a' app/run.sh app/secret "
                       "&& readlink app/link")
    assert listing.splitlines() == [".", "./app", "./app/cache", "./app/cache/junk", "./app/lib",
                                    "./app/lib/mod.txt", "./app/link", "./app/run.sh", "./app/secret",
                                    "app/run.sh 755", "app/secret 600", "run.sh"]


def test_upload_dir_with_trailing_slash_copies_the_contents_and_honours_exclude(comm, tmp_path):
    local = _local_tree(tmp_path)
    comm.upload_dir("/srv", local + "/", exclude=["cache", "*.txt"])
    assert sh(comm, "cd /srv && find . | sort").splitlines() == [".", "./lib", "./link", "./run.sh", "./secret"]


def test_download_copies_a_file_and_follows_a_symbolic_link(comm):
    sh(comm, "printf 'content' > /tmp/real; ln -s real /tmp/alias")
    for path in ("/tmp/real", "/tmp/alias"):
        out = io.BytesIO()
        comm.download(path, out)
        assert out.getvalue() == b"content"


def test_download_of_a_missing_file_or_a_directory_says_what_is_wrong(comm):
    with pytest.raises(CommunicatorError, match="/tmp/absent"):
        comm.download("/tmp/absent", io.BytesIO())
    with pytest.raises(CommunicatorError, match="is a directory"):
        comm.download("/etc", io.BytesIO())


def test_download_dir_brings_the_tree_back_with_modes(comm, tmp_path):
    sh(comm, "mkdir -p /data/sub && echo a > /data/a && chmod 640 /data/a && echo b > /data/sub/b "
             "&& chmod 700 /data/sub && ln -s a /data/link")
    comm.download_dir("/data/", str(tmp_path / "contents"))
    comm.download_dir("/data", str(tmp_path / "itself"), exclude=["sub"])
    contents = tmp_path / "contents"
    assert (contents / "a").read_text() == "a\n"
    assert (contents / "a").stat().st_mode & 0o777 == 0o640
    assert (contents / "sub").stat().st_mode & 0o777 == 0o700
    assert (contents / "sub" / "b").read_text() == "b\n"
    assert os.readlink(contents / "link") == "a"
    assert sorted(os.listdir(tmp_path / "itself" / "data")) == ["a", "link"]
    assert (contents / "a").stat().st_uid == os.geteuid()

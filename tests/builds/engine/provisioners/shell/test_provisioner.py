"""Tests of the shell provisioner against a real sshd: effects on the machine, output, exit codes, cleanup,
cancellation, disconnects and retries."""

import glob
import os
import re
import signal
import stat
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.none import NoneCommunicator
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.plugins import ProvisionError
from builds.engine.provisioners.shell.provisioner import ShellProvisioner, unix_line_endings
from builds.engine.ui import ERROR, SAY, STDERR, STDOUT


def provisioner(context, **config):
    prov = ShellProvisioner(config, context)
    assert prov.prepare() == []
    return prov


def streams(sink, *kinds):
    return [(line.stream, line.text) for line in sink.lines if line.stream in kinds]


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# --------------------------------------------------------------------------- inline and scripts


def test_inline_commands_run_on_the_machine_as_the_ssh_user(context, ui, sink, cancel, ssh, sshd, remote_dir):
    out = f"{remote_dir}/out"
    provisioner(context, inline=[f"id -un > {out}", f"echo done >> {out}"]).provision(ui, ssh, {}, cancel)
    assert Path(out).read_text() == f"{sshd.username}\ndone\n"
    says = sink.texts(SAY)
    assert len(says) == 1
    assert re.fullmatch(r"Provisioning with shell script: " + re.escape(tempfile.gettempdir()) +
                        r"/packer-shell\w+", says[0])
    assert not os.path.exists(says[0].split(": ", 1)[1])  # the local temporary script is gone


def test_the_default_remote_script_is_tmp_script_n_and_is_removed(context, ui, sink, cancel, ssh):
    prov = provisioner(context, inline=['echo "$0"'])
    assert re.fullmatch(r"/tmp/script_\d{1,4}\.sh", prov.remote_path)
    prov.provision(ui, ssh, {}, cancel)
    assert sink.texts(STDOUT) == [prov.remote_path]
    assert not os.path.exists(prov.remote_path)


def test_scripts_run_in_order_through_one_remote_path(context, ui, sink, cancel, ssh, remote_dir, tmp_path):
    first = tmp_path / "first.sh"
    first.write_text('#!/bin/sh\necho "one $0"\n')
    second = tmp_path / "second.sh"
    second.write_text('echo "two $0"\n')
    prov = provisioner(context, scripts=[str(first), str(second)], remote_folder=remote_dir)
    prov.provision(ui, ssh, {}, cancel)
    path = f"{remote_dir}/{prov.remote_file}"
    assert streams(sink, SAY, STDOUT) == [
        (SAY, f"Provisioning with shell script: {first}"), (STDOUT, f"one {path}"),
        (SAY, f"Provisioning with shell script: {second}"), (STDOUT, f"two {path}"),
    ]
    assert os.listdir(remote_dir) == []


def test_script_runs_one_file(context, ui, sink, cancel, ssh, remote_dir, tmp_path):
    script = tmp_path / "s.sh"
    script.write_text(f"touch {remote_dir}/made\n")
    provisioner(context, script=str(script)).provision(ui, ssh, {}, cancel)
    assert os.path.exists(f"{remote_dir}/made")


def test_remote_file_and_remote_path_choose_where_the_script_goes(context, ui, sink, cancel, ssh, remote_dir):
    provisioner(context, inline=['echo "$0"'], remote_folder=remote_dir,
                remote_file="setup.sh").provision(ui, ssh, {}, cancel)
    provisioner(context, inline=['echo "$0"'], remote_path=f"{remote_dir}/exact.sh").provision(ui, ssh, {}, cancel)
    assert sink.texts(STDOUT) == [f"{remote_dir}/setup.sh", f"{remote_dir}/exact.sh"]


def test_skip_clean_leaves_the_uploaded_script(context, ui, cancel, ssh, remote_dir):
    path = f"{remote_dir}/kept.sh"
    provisioner(context, inline=["echo hi"], remote_path=path, skip_clean=True).provision(ui, ssh, {}, cancel)
    assert Path(path).read_text() == "#!/bin/sh -e\necho hi\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755


# --------------------------------------------------------------------------- shebang and line endings


def test_default_shebang_stops_at_the_first_failing_command(context, ui, sink, cancel, ssh, remote_dir):
    prov = provisioner(context, inline=["false", f"touch {remote_dir}/after"])
    with pytest.raises(ProvisionError, match=r"^Script exited with non-zero exit status: 1\. "
                                             r"Allowed exit codes are: \[0\]$"):
        prov.provision(ui, ssh, {}, cancel)
    assert not os.path.exists(f"{remote_dir}/after")


def test_inline_shebang_is_used_as_given(context, ui, sink, cancel, ssh, remote_dir):
    provisioner(context, inline=["false", "echo $BASH_VERSION | cut -c1"],
                inline_shebang="/bin/bash").provision(ui, ssh, {}, cancel)
    assert sink.texts(STDOUT) and sink.texts(STDOUT)[0].isdigit()


def test_inline_starting_with_a_shebang_keeps_it(context, ui, sink, cancel, ssh, remote_dir):
    path = f"{remote_dir}/s.sh"
    provisioner(context, inline=["#!/bin/bash", "echo ${BASH_VERSINFO[0]}"], remote_path=path,
                skip_clean=True).provision(ui, ssh, {}, cancel)
    assert Path(path).read_text().startswith("#!/bin/bash\necho")
    assert sink.texts(STDOUT)[0].isdigit()


def test_windows_line_endings_are_converted_unless_binary(context, ui, sink, cancel, ssh, remote_dir, tmp_path):
    script = tmp_path / "crlf.sh"
    script.write_bytes(b"#!/bin/sh\r\necho converted\r\n")
    provisioner(context, script=str(script), remote_path=f"{remote_dir}/a.sh",
                skip_clean=True).provision(ui, ssh, {}, cancel)
    provisioner(context, script=str(script), remote_path=f"{remote_dir}/b.sh", skip_clean=True,
                binary=True, valid_exit_codes=[0, 126, 127]).provision(ui, ssh, {}, cancel)
    assert Path(f"{remote_dir}/a.sh").read_bytes() == b"#!/bin/sh\necho converted\n"
    assert Path(f"{remote_dir}/b.sh").read_bytes() == b"#!/bin/sh\r\necho converted\r\n"
    assert sink.texts(STDOUT)[0] == "converted"


def test_unix_line_endings_adds_the_final_newline():
    assert unix_line_endings(b"a\r\nb") == b"a\nb\n"
    assert unix_line_endings(b"") == b""


# --------------------------------------------------------------------------- environment


def test_environment_reaches_the_script_with_quotes_and_dollars_intact(context, ui, sink, cancel, ssh):
    provisioner(context, inline=['echo "$GREETING|$TRICKY|$FROM_MAP|$EMPTY|"',
                                 'echo "$PACKER_BUILD_NAME $PACKER_BUILDER_TYPE"'],
                environment_vars=["GREETING=hello world", "TRICKY=it's $HOME `id` \"q\"", "EMPTY="],
                env={"FROM_MAP": "x=y"}).provision(ui, ssh, {}, cancel)
    assert sink.texts(STDOUT) == ["hello world|it's $HOME `id` \"q\"|x=y||", "test null"]


def test_execute_command_sees_vars_path_and_generated_data(context, ui, sink, cancel, ssh, remote_dir):
    path = f"{remote_dir}/run.sh"
    provisioner(context, inline=['echo "$1 $WHO"'], remote_path=path, environment_vars=["WHO=me"],
                execute_command="{{.Vars}} /bin/sh {{.Path}} {{ .Host }}").provision(
        ui, ssh, {"Host": "10.9.8.7"}, cancel)
    assert sink.texts(STDOUT) == ["10.9.8.7 me"]


def test_generated_data_is_interpolated_in_inline_and_environment(context, ui, sink, cancel, ssh):
    provisioner(context, inline=['echo "{{ .Host }}:{{ .Port }} $TARGET"'],
                environment_vars=["TARGET={{ .User }}@{{ .Host }}"]).provision(
        ui, ssh, {"Host": "1.2.3.4", "Port": 22, "User": "ubuntu"}, cancel)
    assert sink.texts(STDOUT) == ["1.2.3.4:22 ubuntu@1.2.3.4"]


def test_env_var_file_is_sourced_then_removed(context, ui, sink, cancel, ssh, remote_dir):
    provisioner(context, inline=['echo "$A|$B"', 'ls -1 "$(dirname "$0")"'], remote_folder=remote_dir,
                use_env_var_file=True, environment_vars=["A=it's"], env={"B": "two words"}).provision(
        ui, ssh, {}, cancel)
    out = sink.texts(STDOUT)
    assert out[0] == "it's|two words"
    assert any(re.fullmatch(r"varfile_\d+\.sh", name) for name in out[1:])
    assert os.listdir(remote_dir) == []


def test_env_var_file_has_packers_format_and_mode(context, ui, sink, cancel, ssh, remote_dir):
    provisioner(context, inline=["true"], remote_folder=remote_dir, use_env_var_file=True, skip_clean=True,
                environment_vars=["A=it's"]).provision(ui, ssh, {}, cancel)
    [varfile] = glob.glob(f"{remote_dir}/varfile_*.sh")
    assert stat.S_IMODE(os.stat(varfile).st_mode) == 0o600
    assert Path(varfile).read_text() == ("export A='it'\"'\"'s'\nexport PACKER_BUILDER_TYPE='null'\n"
                                    "export PACKER_BUILD_NAME='test'\n")


def test_env_var_format_is_applied(context, ui, sink, cancel, ssh):
    provisioner(context, inline=['echo "$A"'], environment_vars=["A=1"],
                env_var_format="export %s='%s'; ",
                execute_command="{{.Vars}} sh {{.Path}}").provision(ui, ssh, {}, cancel)
    assert sink.texts(STDOUT) == ["1"]


# --------------------------------------------------------------------------- output and exit codes


def test_stdout_and_stderr_are_streamed_in_order(context, ui, sink, cancel, ssh):
    provisioner(context, inline=["echo out1", "sleep 0.2", "echo err1 >&2", "sleep 0.2", "echo out2",
                                 "printf 'bar 10%%\\rbar 100%%\\n'", "echo"]).provision(ui, ssh, {}, cancel)
    assert streams(sink, STDOUT, STDERR) == [(STDOUT, "out1"), (STDERR, "err1"), (STDOUT, "out2"),
                                             (STDOUT, "bar 100%")]


def test_output_appears_while_the_script_is_still_running(context, ui, sink, cancel, ssh):
    seen = []
    watcher = threading.Thread(target=lambda: seen.append(wait_for(lambda: "early" in sink.texts(STDOUT), 5)))
    watcher.start()
    started = time.monotonic()
    provisioner(context, inline=["echo early", "sleep 1", "echo late"]).provision(ui, ssh, {}, cancel)
    watcher.join()
    assert seen == [True]
    assert time.monotonic() - started >= 1


def test_valid_exit_codes_allow_listed_codes_and_the_script_is_still_removed(context, ui, cancel, ssh,
                                                                             remote_dir):
    provisioner(context, inline=["exit 3"], valid_exit_codes=[0, 3], remote_folder=remote_dir).provision(
        ui, ssh, {}, cancel)
    assert os.listdir(remote_dir) == []
    with pytest.raises(ProvisionError, match=r"exit status: 4\. Allowed exit codes are: \[0 3\]$"):
        provisioner(context, inline=["exit 4"], valid_exit_codes=[0, 3]).provision(ui, ssh, {}, cancel)


def test_pause_after_waits_and_says_so(context, ui, sink, cancel, ssh):
    started = time.monotonic()
    provisioner(context, inline=["true"], pause_after="300ms").provision(ui, ssh, {}, cancel)
    assert time.monotonic() - started >= 0.3
    assert sink.texts(SAY)[-1] == "Pausing 300ms after this provisioner..."


# --------------------------------------------------------------------------- cancel, disconnects, retries


def test_cancel_kills_the_remote_script_and_returns_quickly(context, ui, sink, ssh, remote_dir):
    cancel = CancelToken()
    pidfile = f"{remote_dir}/pid"
    prov = provisioner(context, inline=[f"echo $$ > {pidfile}", "echo started", "sleep 60", "echo never"])
    threading.Thread(target=lambda: wait_for(lambda: "started" in sink.texts(STDOUT)) and cancel.cancel(),
                     daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        prov.provision(ui, ssh, {}, cancel)
    assert time.monotonic() - started < 5
    assert sink.texts(STDOUT) == ["started"]
    assert wait_for(lambda: not running(int(Path(pidfile).read_text())), 3)


def test_an_unexpected_disconnect_fails_with_packers_advice(context, ui, sink, cancel, sshd_factory):
    server = sshd_factory()
    communicator = _connect(server)
    try:
        prov = provisioner(context, inline=["echo up", "sleep 30"])
        _drop_sessions_after(server, lambda: "up" in sink.texts(STDOUT))
        with pytest.raises(ProvisionError, match=r"^Script disconnected unexpectedly\. .*expect_disconnect"):
            prov.provision(ui, communicator, {}, cancel)
    finally:
        communicator.disconnect()


def test_expect_disconnect_accepts_the_drop_and_cleans_up_after_reconnecting(context, ui, sink, cancel,
                                                                            sshd_factory, remote_dir):
    server = sshd_factory()
    communicator = _connect(server)
    try:
        path = f"{remote_dir}/reboot.sh"
        prov = provisioner(context, inline=["echo rebooting", "sleep 30"], expect_disconnect=True,
                           remote_path=path)
        _drop_sessions_after(server, lambda: "rebooting" in sink.texts(STDOUT))
        prov.provision(ui, communicator, {}, cancel)
        assert not os.path.exists(path)
        assert communicator.connections_made == 2
        provisioner(context, inline=["echo next"]).provision(ui, communicator, {}, cancel)
        assert sink.texts(STDOUT)[-1] == "next"
    finally:
        communicator.disconnect()


def test_upload_and_start_are_retried_until_the_machine_is_back(context, ui, sink, cancel, sshd_factory,
                                                                remote_dir):
    server = sshd_factory()
    communicator = _connect(server)
    restart = threading.Timer(1.0, _restart_listener, args=(server,))
    try:
        _stop_listener(server)
        restart.start()
        prov = provisioner(context, inline=[f"touch {remote_dir}/after-reboot"], start_retry_timeout="30s")
        prov.retry_delay = 0.2
        started = time.monotonic()
        prov.provision(ui, communicator, {}, cancel)
        assert time.monotonic() - started >= 0.9
        assert os.path.exists(f"{remote_dir}/after-reboot")
    finally:
        restart.join()
        communicator.disconnect()


def test_retries_stop_at_start_retry_timeout_with_the_last_error(context, ui, cancel, sshd_factory):
    server = sshd_factory()
    communicator = _connect(server)
    try:
        _stop_listener(server)
        prov = provisioner(context, inline=["true"], start_retry_timeout="1s")
        prov.retry_delay = 0.2
        started = time.monotonic()
        with pytest.raises(ProvisionError, match=r"^Error uploading script: ssh: the connection .* was lost"):
            prov.provision(ui, communicator, {}, cancel)
        assert 1.0 <= time.monotonic() - started < 10
    finally:
        communicator.disconnect()
        _restart_listener(server)


def test_the_none_communicator_fails_at_once_without_retrying(context, ui, cancel):
    started = time.monotonic()
    with pytest.raises(ProvisionError, match='communicator none cannot upload'):
        provisioner(context, inline=["true"]).provision(ui, NoneCommunicator(), {}, cancel)
    assert time.monotonic() - started < 1


# --------------------------------------------------------------------------- prepare


@pytest.mark.parametrize(("config", "problem"), [
    ({}, "Either a script file or inline script must be specified."),
    ({"inline": []}, "Either a script file or inline script must be specified."),
    ({"script": "/bin/true", "scripts": ["/bin/true"]}, "Only one of script or scripts can be specified."),
    ({"script": "/bin/true", "inline": ["x"]},
     "Only a script file or an inline script can be specified, not both."),
    ({"script": "/no/such.sh"}, "Bad script '/no/such.sh': stat /no/such.sh: no such file or directory"),
    ({"inline": ["x"], "environment_vars": ["=v"]}, "Environment variable not in format 'key=value': =v"),
    ({"inline": ["x"], "start_retry_timeout": "soon"}, 'start_retry_timeout: invalid duration "soon"'),
    ({"inline": ["x"], "pause_after": "10"}, 'pause_after: missing unit in duration "10"'),
])
def test_prepare_reports_packers_problems(context, config, problem):
    assert problem in ShellProvisioner(config, context).prepare()


def test_prepare_reports_every_problem_at_once(context):
    assert len(ShellProvisioner({"script": "/no/a.sh", "scripts": ["/no/b.sh"],
                                 "environment_vars": ["x"]}, context).prepare()) == 3


def test_a_script_missing_at_run_time_is_a_clear_error(context, ui, sink, cancel, ssh, tmp_path):
    prov = provisioner(context, script="{{ .Dir }}/gone.sh")
    with pytest.raises(ProvisionError, match=f"Error opening shell script: .*{tmp_path}/gone.sh"):
        prov.provision(ui, ssh, {"Dir": str(tmp_path)}, cancel)
    assert sink.texts(ERROR) == []


# --------------------------------------------------------------------------- helpers


def _connect(server):
    communicator = SSHCommunicator(SSHConfig.from_arguments(server.arguments(ssh_timeout="5s")))
    communicator.connect(CancelToken())
    return communicator


def _drop_sessions_after(server, condition):
    """Cut the server's connections once ``condition`` holds, as a reboot would."""
    def drop():
        if wait_for(condition):
            _cut_connections(server)
    threading.Thread(target=drop, daemon=True).start()


def _cut_connections(server):
    """Kill the sshd processes serving the server's clients now (not connections made afterwards)."""
    victims = server.connection_processes()
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    assert wait_for(lambda: not any(running(pid) for pid in victims), 5)


def _stop_listener(server):
    """Stop the server and cut its connections, keeping its configuration for a restart."""
    server.process.terminate()
    server.process.wait(5)
    _cut_connections(server)


def _restart_listener(server):
    with open(server.log_path, "ab") as log:
        server.process = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(server.directory / "sshd_config")],
                                          stdout=log, stderr=log, stdin=subprocess.DEVNULL)

"""Tests of the shell-local provisioner, run for real on this machine."""

import glob
import os
import tempfile
import threading
import time

import pytest

from builds.engine.cancel import Cancelled
from builds.engine.plugins import ProvisionError
from builds.engine.provisioners.shell_local.provisioner import ShellLocalProvisioner
from builds.engine.ui import SAY, STDERR, STDOUT


def provisioner(context, **config):
    return ShellLocalProvisioner(config, context)


def run(prov, ui, cancel, generated=None):
    assert prov.prepare() == []
    prov.provision(ui, None, generated or {}, cancel)


def streams(sink, *kinds):
    return [(line.stream, line.text) for line in sink.lines if line.stream in kinds]


def test_inline_commands_run_in_one_script_with_the_default_shebang(context, ui, sink, cancel, tmp_path):
    out = tmp_path / "out"
    run(provisioner(context, inline=[f"echo first > {out}", f"echo second >> {out}"]), ui, cancel)
    assert out.read_text() == "first\nsecond\n"
    says = sink.texts(SAY)
    assert len(says) == 1 and says[0].startswith("Running local shell script: ")
    assert os.path.basename(says[0].split(": ", 1)[1]).startswith("packer-shell")


def test_inline_script_stops_at_the_first_failing_command(context, ui, cancel, tmp_path):
    out = tmp_path / "out"
    prov = provisioner(context, inline=["false", f"touch {out}"])
    with pytest.raises(ProvisionError, match=r"^Script exited with non-zero exit status: 1\. "
                                             r"Allowed exit codes are: \[0\]$"):
        run(prov, ui, cancel)
    assert not out.exists()


def test_inline_shebang_replaces_the_default(context, ui, sink, cancel):
    run(provisioner(context, inline=["false", "echo still running"], inline_shebang="/bin/sh"), ui, cancel)
    assert sink.texts(STDOUT) == ["still running"]


def test_the_temporary_inline_script_is_removed(context, ui, sink, cancel):
    run(provisioner(context, inline=["echo $0"]), ui, cancel)
    script = sink.texts(STDOUT)[0]
    assert os.path.basename(script).startswith("packer-shell")
    assert not os.path.exists(script)


def test_command_is_run_like_a_one_line_inline(context, ui, sink, cancel):
    run(provisioner(context, command="echo from command"), ui, cancel)
    assert sink.texts(STDOUT) == ["from command"]


def test_script_and_scripts_run_in_order_with_their_paths_announced(context, ui, sink, cancel, tmp_path):
    first = tmp_path / "one.sh"
    first.write_text("#!/bin/sh\necho one\n")
    second = tmp_path / "two.sh"
    second.write_text("echo two\n")
    first.chmod(0o755)
    second.chmod(0o755)
    run(provisioner(context, scripts=[str(first), str(second)]), ui, cancel)
    assert streams(sink, SAY, STDOUT) == [
        (SAY, f"Running local shell script: {first}"), (STDOUT, "one"),
        (SAY, f"Running local shell script: {second}"), (STDOUT, "two"),
    ]
    sink.lines.clear()
    run(provisioner(context, script=str(second)), ui, cancel)
    assert sink.texts(STDOUT) == ["two"]


def test_environment_reaches_the_script_with_quotes_intact(context, ui, sink, cancel):
    prov = provisioner(context, inline=['echo "$GREETING|$QUOTED|$FROM_MAP|$EMPTY|"',
                                        'echo "$PACKER_BUILD_NAME $PACKER_BUILDER_TYPE"'],
                       environment_vars=["GREETING=hello world", "QUOTED=it's $HOME `x`", "EMPTY="],
                       env={"FROM_MAP": "a=b"})
    run(prov, ui, cancel)
    assert sink.texts(STDOUT) == ["hello world|it's $HOME `x`|a=b||", "test null"]


def test_env_map_wins_over_environment_vars(context, ui, sink, cancel):
    run(provisioner(context, inline=['echo "$X"'], environment_vars=["X=list"], env={"X": "map"}), ui, cancel)
    assert sink.texts(STDOUT) == ["map"]


def test_http_address_from_the_builder_is_exported(context, ui, sink, cancel):
    generated = {"PackerHTTPAddr": "10.0.2.2:8080", "PackerHTTPIP": "10.0.2.2", "PackerHTTPPort": "8080"}
    run(provisioner(context, inline=['echo "$PACKER_HTTP_ADDR $PACKER_HTTP_IP $PACKER_HTTP_PORT"']),
        ui, cancel, generated)
    assert sink.texts(STDOUT) == ["10.0.2.2:8080 10.0.2.2 8080"]


def test_generated_data_is_interpolated_in_inline_and_environment(context, ui, sink, cancel):
    prov = provisioner(context, inline=['echo "{{ .Host }} $TARGET {{ build `ID` }}"'],
                       environment_vars=["TARGET={{ .User }}@{{.Host}}"])
    run(prov, ui, cancel, {"Host": "10.1.2.3", "User": "ubuntu", "ID": "i-123"})
    assert sink.texts(STDOUT) == ["10.1.2.3 ubuntu@10.1.2.3 i-123"]


def test_execute_command_sees_vars_script_and_generated_data(context, ui, sink, cancel, tmp_path):
    script = tmp_path / "s.sh"
    script.write_text('echo "script $1 $MARK"\n')
    prov = provisioner(context, script=str(script), environment_vars=["MARK=m"],
                       execute_command=["/bin/sh", "-c", "{{.Vars}} /bin/sh {{.Script}} {{.Host}}"])
    run(prov, ui, cancel, {"Host": "h1"})
    assert sink.texts(STDOUT) == ["script h1 m"]


def test_env_var_format_is_applied(context, ui, sink, cancel):
    prov = provisioner(context, inline=['echo "$A"'], environment_vars=["A=1"],
                       env_var_format="export %s='%s'; ")
    run(prov, ui, cancel)
    assert sink.texts(STDOUT) == ["1"]


def test_stdout_and_stderr_stream_in_order_as_they_arrive(context, ui, sink, cancel):
    run(provisioner(context, inline=["echo out1", "sleep 0.2", "echo err1 >&2", "sleep 0.2", "echo out2",
                                     "printf '   \\n'"]), ui, cancel)
    assert streams(sink, STDOUT, STDERR) == [(STDOUT, "out1"), (STDERR, "err1"), (STDOUT, "out2")]


def test_output_lines_are_shown_while_the_script_runs(context, ui, sink, cancel):
    seen_early = threading.Event()

    def watch():
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if "early" in sink.texts(STDOUT):
                seen_early.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    run(provisioner(context, inline=["echo early", "sleep 1", "echo late"]), ui, cancel)
    watcher.join()
    assert seen_early.is_set()
    assert time.monotonic() - started >= 1


def test_valid_exit_codes_accept_listed_codes(context, ui, cancel):
    run(provisioner(context, inline=["exit 3"], valid_exit_codes=[0, 3]), ui, cancel)
    prov = provisioner(context, inline=["exit 4"], valid_exit_codes=[0, 3])
    with pytest.raises(ProvisionError, match=r"exit status: 4\. Allowed exit codes are: \[0 3\]"):
        run(prov, ui, cancel)


def test_tempfile_extension_is_given_to_the_inline_script(context, ui, sink, cancel):
    run(provisioner(context, inline=["echo $0"], tempfile_extension=".bash"), ui, cancel)
    assert sink.texts(STDOUT)[0].endswith(".bash")


def test_only_on_other_systems_skips_with_packers_message(context, ui, sink, cancel, tmp_path):
    out = tmp_path / "out"
    run(provisioner(context, inline=[f"touch {out}"], only_on=["darwin", "windows"]), ui, cancel)
    assert not out.exists()
    assert sink.texts(SAY) == ["Skipping shell-local due to runtime OS"]


def test_only_on_this_system_runs(context, ui, cancel, tmp_path):
    out = tmp_path / "out"
    run(provisioner(context, inline=[f"touch {out}"], only_on=["linux"]), ui, cancel)
    assert out.exists()


def test_use_linux_pathing_is_accepted_and_changes_nothing_here(context, ui, sink, cancel):
    run(provisioner(context, inline=["echo ok"], use_linux_pathing=True), ui, cancel)
    assert sink.texts(STDOUT) == ["ok"]


def test_cancel_kills_a_long_script_quickly(context, ui, sink, cancel, tmp_path):
    pidfile = tmp_path / "pid"
    prov = provisioner(context, inline=[f"echo $$ > {pidfile}", "echo started", "sleep 60", "echo never"])
    timer = threading.Timer(0.5, cancel.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        run(prov, ui, cancel)
    timer.cancel()
    assert time.monotonic() - started < 5
    assert sink.texts(STDOUT) == ["started"]
    assert not _running(int(pidfile.read_text()))


def test_inline_temp_file_is_removed_after_a_failure(context, ui, cancel):
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "packer-shell*")))
    with pytest.raises(ProvisionError):
        run(provisioner(context, inline=["exit 9"]), ui, cancel)
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "packer-shell*"))) <= before


def test_an_unrunnable_execute_command_is_reported(context, ui, cancel):
    prov = provisioner(context, inline=["true"], execute_command=["/no/such/shell", "{{.Script}}"])
    with pytest.raises(ProvisionError, match=r"Error executing script: .*packer-shell.*\n\n"
                                             r"cannot run '/no/such/shell'"):
        run(prov, ui, cancel)


@pytest.mark.parametrize(("config", "problem"), [
    ({}, "Command, Inline, Script and Scripts options cannot all be empty."),
    ({"inline": ["a"], "command": "b"}, "You may only specify one of the following options: Command, "
                                        "Inline, Script or Scripts. Please consolidate these options in "
                                        "your config."),
    ({"inline": ["a"], "script": "/bin/true"}, "You may only specify one of the following options"),
    ({"scripts": ["/bin/true"], "script": "/bin/true"}, "You may only specify one of the following"),
    ({"scripts": ["/bin/true"], "inline": ["x"]}, "You may only specify one of the following"),
    ({"script": "/no/such.sh"}, "Bad script '/no/such.sh': stat /no/such.sh: no such file or directory"),
    ({"inline": ["a"], "only_on": ["linux", "plan9"]},
     "Invalid OS specified in only_on: 'plan9'\nSupported OS names: darwin, freebsd, linux, openbsd, "
     "solaris, windows"),
    ({"inline": ["a"], "environment_vars": ["=x"]}, "Environment variable not in format 'key=value': =x"),
    ({"inline": ["a"], "environment_vars": ["NOEQUALS"]},
     "Environment variable not in format 'key=value': NOEQUALS"),
])
def test_prepare_reports_packers_problems(context, config, problem):
    problems = ShellLocalProvisioner(config, context).prepare()
    assert any(p.startswith(problem) for p in problems), problems


def test_prepare_reports_every_problem_at_once(context):
    problems = ShellLocalProvisioner({"script": "/no/a.sh", "environment_vars": ["bad"]}, context).prepare()
    assert len(problems) == 2


def test_prepare_has_no_side_effects_and_accepts_a_valid_config(context, tmp_path):
    before = set(os.listdir(tempfile.gettempdir()))
    assert ShellLocalProvisioner({"inline": ["echo hi"]}, context).prepare() == []
    assert set(os.listdir(tempfile.gettempdir())) == before


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False

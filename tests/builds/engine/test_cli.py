"""Tests for the engine's command-line dispatch: verbs, help, version and Packer's exit statuses."""

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builds.engine import __version__, cli
from builds.engine.registry import PACKER_CORE_VERSION

REPO_ROOT = Path(__file__).resolve().parents[3]

DEMO_MODULE = '''\
"""A command used by the CLI tests."""

from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "run the demo"
USAGE = "Usage: imagehub demo [options] ARG"


def run(args, stdout, stderr):
    flags = FlagSet("demo", USAGE)
    flags.bool("loud")
    try:
        values, rest = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if rest == ["interrupt"]:
        raise KeyboardInterrupt
    stdout.write(f"demo loud={values['loud']} rest={rest}\\n")
    return 7
'''


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """Register a `demo` verb from a module on sys.path and a verb whose module is missing."""
    (tmp_path / "imagehub_cli_demo.py").write_text(DEMO_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    commands = {
        "demo": "imagehub_cli_demo",
        "ghost": "imagehub_cli_demo_missing.command",
        "version": cli.COMMANDS["version"],
    }
    monkeypatch.setattr(cli, "COMMANDS", commands)
    yield
    sys.modules.pop("imagehub_cli_demo", None)


def run_cli(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


DEMO_USAGE = textwrap.dedent(
    """\
    Usage: imagehub [--version] [--help] <command> [<args>]

    Available commands are:
        demo       run the demo
        version    print the ImageHub version

    """
)


def test_registry_names_every_engine_verb():
    assert set(cli.COMMANDS) == {
        "fmt",
        "validate",
        "inspect",
        "init",
        "console",
        "build",
        "version",
        "sweep",
    }
    assert all(module == f"builds.engine.commands.{verb}" for verb, module in cli.COMMANDS.items())


def test_verb_runs_with_its_arguments_and_its_exit_status(demo):
    assert run_cli("demo", "-loud", "x", "-y") == (7, "demo loud=True rest=['x', '-y']\n", "")


def test_no_verb_prints_the_verb_list_and_exits_127(demo):
    assert run_cli() == (127, DEMO_USAGE, "")


def test_unknown_verb_prints_the_verb_list_and_exits_127(demo):
    assert run_cli("frobnicate", "-x") == (127, DEMO_USAGE, "")


def test_verb_whose_module_is_missing_is_unknown_and_unlisted(demo):
    assert cli.available_commands() == ["demo", "version"]
    assert run_cli("ghost") == (127, DEMO_USAGE, "")


@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_help_flag_alone_prints_the_verb_list_and_succeeds(demo, flag):
    assert run_cli(flag) == (0, DEMO_USAGE, "")


@pytest.mark.parametrize("args", [["demo", "-h"], ["demo", "x", "--help"], ["-h", "demo"]])
def test_help_flag_with_a_verb_prints_its_usage_and_succeeds(demo, args):
    assert run_cli(*args) == (0, "Usage: imagehub demo [options] ARG\n", "")


def test_help_flag_after_double_dash_belongs_to_the_verb(demo):
    assert run_cli("demo", "--", "-h") == (7, "demo loud=False rest=['-h']\n", "")


def test_double_dash_before_any_verb_leaves_no_verb(demo):
    assert run_cli("--", "demo")[0] == 127


@pytest.mark.parametrize("flag", ["-v", "-version", "--version"])
def test_version_flag_before_the_verb_prints_the_version(demo, flag):
    code, out, err = run_cli(flag, "demo")
    assert (code, err) == (0, "")
    assert out.startswith(f"ImageHub v{__version__} ")


def test_version_flag_after_the_verb_belongs_to_the_verb(demo):
    code, out, err = run_cli("demo", "-version")
    assert code == 1
    assert err == "flag provided but not defined: -version\n"


def test_flags_before_the_verb_are_refused_with_the_verb_usage(demo):
    code, out, err = run_cli("-loud", "demo")
    assert code == 1
    assert out == (
        "Invalid flags before the subcommand. If these flags are for\n"
        "the subcommand, please put them after the subcommand.\n\n"
        "Usage: imagehub demo [options] ARG\n"
    )


def test_bad_flag_prints_go_message_and_usage_and_exits_1(demo):
    assert run_cli("demo", "-nope") == (
        1,
        "Usage: imagehub demo [options] ARG\n",
        "flag provided but not defined: -nope\n",
    )


def test_interrupt_exits_1_quietly_like_packer(demo):
    assert run_cli("demo", "interrupt") == (1, "", "")


def test_usage_lists_extra_verbs_aligned_with_the_engine_verbs(demo):
    text = cli.usage({"serve": "run the web dashboard"})
    assert text.splitlines()[3:] == [
        "    demo       run the demo",
        "    serve      run the web dashboard",
        "    version    print the ImageHub version",
    ]


def test_version_verb_names_imagehub_and_the_packer_release_it_follows():
    code, out, err = run_cli("version")
    assert (code, err) == (0, "")
    assert out == (
        f"ImageHub v{__version__} (Packer-compatible; plugin arguments of Packer v{PACKER_CORE_VERSION})\n"
    )


def test_version_verb_ignores_arguments_like_packer():
    assert run_cli("version", "extra", "-x") == run_cli("version")


def test_version_verb_help():
    code, out, _ = run_cli("version", "-help")
    assert code == 0
    assert "version" in out
    assert not out.startswith("ImageHub v")


def test_python_m_builds_engine_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "builds.engine", "version"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith(f"ImageHub v{__version__} ")
    assert done.stderr == ""

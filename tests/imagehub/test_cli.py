"""Tests of the `imagehub` command's dispatch between the dashboard and the engine."""

import json
import subprocess
import sys
import types

import pytest

from imagehub import cli

DASHBOARD_MODULES = ("django", "channels", "daphne", "twisted", "whitenoise", "django_htmx")

# Runs `imagehub ARGS` in a fresh interpreter (argv[1] lists the modules to
# look for), then reports the exit status and which of them had been imported.
PROBE = """
import json, sys
watched = set(json.loads(sys.argv[1]))
from imagehub.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as exit:
    status = exit.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & watched)
print(json.dumps({"status": status, "loaded": loaded}))
"""


def run_probe(*args, cwd):
    """Return the exit status and the dashboard libraries imported by `imagehub ARGS`."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(DASHBOARD_MODULES), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def fake_engine(monkeypatch):
    """Stand in for builds.engine.cli, recording the arguments each call receives."""
    module = types.ModuleType("builds.engine.cli")
    module.calls = []

    def main(argv):
        module.calls.append(argv)
        return 3

    module.main = main
    module.usage = lambda extra=None: "Usage: imagehub\n" + "".join(
        f"    {name}    {text}\n" for name, text in sorted((extra or {}).items())
    )
    monkeypatch.setitem(sys.modules, "builds.engine.cli", module)
    return module


def test_importing_the_command_imports_no_django(tmp_path):
    code = "import json, sys, imagehub.cli; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert "imagehub" in loaded
    assert not loaded & set(DASHBOARD_MODULES)


@pytest.mark.parametrize("verb", ["fmt", "validate"])
def test_engine_verbs_run_without_importing_django(tmp_path, verb):
    template = tmp_path / "example.pkr.hcl"
    template.write_text('source "null" "example" {\n  communicator = "none"\n}\n')
    report = run_probe(verb, str(template), cwd=tmp_path)
    assert report["loaded"] == []


def test_version_runs_without_importing_django(tmp_path):
    report = run_probe("version", cwd=tmp_path)
    assert report == {"status": 0, "loaded": []}


def test_other_verbs_go_unchanged_to_the_engine(fake_engine):
    assert cli.main(["fmt", "-check", "t.pkr.hcl"]) == 3
    assert cli.main(["no-such-verb"]) == 3
    assert cli.main(["--version"]) == 3
    assert fake_engine.calls == [["fmt", "-check", "t.pkr.hcl"], ["no-such-verb"], ["--version"]]


def test_no_arguments_list_every_verb_and_exit_127(fake_engine, capsys):
    assert cli.main([]) == 127
    out = capsys.readouterr().out
    assert "serve    run the web dashboard" in out
    assert "manage    run a Django management command" in out
    assert fake_engine.calls == []


@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_a_help_flag_lists_every_verb_and_exits_0(fake_engine, capsys, flag):
    assert cli.main([flag]) == 0
    assert "serve    run the web dashboard" in capsys.readouterr().out


def test_the_real_verb_list_includes_the_engine_and_dashboard_verbs(capsys):
    assert cli.main(["--help"]) == 0
    verbs = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line[:4] == "    "}
    assert {"serve", "manage", "validate", "version"} <= verbs


@pytest.mark.parametrize("flag", ["-h", "-help", "--help"])
def test_serve_takes_its_own_arguments(fake_engine, capsys, flag):
    with pytest.raises(SystemExit) as exit:
        cli.main(["serve", flag])
    assert exit.value.code == 0
    assert "usage: imagehub serve" in capsys.readouterr().out
    assert fake_engine.calls == []


def test_manage_runs_django_management_commands(capsys):
    assert cli.main(["manage", "check"]) == 0
    assert "System check identified no issues" in capsys.readouterr().out

"""imagehub build: output, exit codes, on-error policies, filters, masking and cancellation (null builder, local commands)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builds.engine.cli import main

REPO = Path(__file__).resolve().parents[4]


def build(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    template = tmp_path / "t.pkr.hcl"
    template.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["build", "-color=false", *args, str(template)], out, err)
    finally:
        os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


LOCAL = '''
source "null" "one" { communicator = "none" }
source "null" "two" { communicator = "none" }
build {
  sources = ["source.null.one", "source.null.two"]
  provisioner "shell-local" {
    inline = ["echo ran ${source.name} >> ${path.root}/ran.txt"]
  }
}
'''


def test_successful_build_prints_packer_shaped_summary_and_exits_0(tmp_path):
    code, out, _ = build(tmp_path, LOCAL, "-only=null.one")
    assert code == 0
    assert "output will be in this color." not in out  # as Packer, only with colours on
    assert "==> null.one: Running local shell script: " in out
    assert "Build 'null.one' finished after " in out
    assert "==> Builds finished. The artifacts of successful builds are:" in out
    assert "--> null.one: Did not export anything. This is the null builder" in out
    assert (tmp_path / "ran.txt").read_text() == "ran one\n"


@pytest.mark.parametrize("args", [("-only=null.nothing",), ("-except=null.*",)])
def test_filters_that_leave_no_build_are_an_error_in_packers_words(tmp_path, args):
    code, out, err = build(tmp_path, LOCAL, *args)

    shown = " ".join((out + err).split())  # diagnostics are wrapped to the terminal's width
    assert code == 1
    assert ("Error: No builds to run A build command cannot run without at least one build to process. If the "
            "only or except flags have been specified at run time check that at least one build is selected for "
            "execution.") in shown
    assert not (tmp_path / "ran.txt").exists()


def test_except_skips_the_named_source(tmp_path):
    code, out, _ = build(tmp_path, LOCAL, "-except=null.one")
    assert code == 0
    assert (tmp_path / "ran.txt").read_text() == "ran two\n"
    assert "null.one" not in out


def test_two_sources_run_in_parallel_and_both_report(tmp_path):
    code, out, _ = build(tmp_path, LOCAL)
    assert code == 0
    assert sorted((tmp_path / "ran.txt").read_text().split("\n")) == ["", "ran one", "ran two"]
    assert "Build 'null.one' finished" in out and "Build 'null.two' finished" in out


FAILING = '''
source "null" "x" { communicator = "none" }
build {
  sources = ["source.null.x"]
  provisioner "shell-local" { inline = ["echo before", "exit 3"] }
  error-cleanup-provisioner "shell-local" { inline = ["echo cleanup-ran > ${path.root}/cleanup.txt"] }
}
'''


def test_failing_provisioner_exits_1_and_names_the_error(tmp_path):
    code, out, _ = build(tmp_path, FAILING)
    assert code == 1
    assert "Build 'null.x' errored after" in out
    assert "==> Some builds didn't complete successfully and had errors:" in out
    assert "--> null.x: Script exited with non-zero exit status: 3" in out
    assert "==> Builds finished but no artifacts were created." in out


@pytest.mark.parametrize("mode", ["cleanup", "run-cleanup-provisioner"])
def test_error_cleanup_provisioner_runs_after_a_failure(tmp_path, mode):
    code, out, _ = build(tmp_path, FAILING, f"-on-error={mode}")
    assert code == 1
    assert "Provisioning step had errors: Running the cleanup provisioner, if present..." in out
    assert (tmp_path / "cleanup.txt").read_text() == "cleanup-ran\n"


def test_on_error_abort_skips_cleanup_and_says_so(tmp_path):
    code, out, _ = build(tmp_path, FAILING, "-on-error=abort")
    assert code == 1
    assert not (tmp_path / "cleanup.txt").exists()
    assert "Skipped cleanup (-on-error=abort)" in out


def test_unknown_on_error_value_is_refused(tmp_path):
    code, _, err = build(tmp_path, LOCAL, "-on-error=explode")
    assert code == 1
    assert "-on-error must be one of" in err


def test_invalid_template_prints_diagnostics_and_builds_nothing(tmp_path):
    code, out, _ = build(tmp_path, 'source "null" "x" { communicator = "none" }\nbuild { sources = ["source.null.y"] }\n')
    assert code == 1
    assert "Error: Unknown source" in out
    assert "output will be in this color" not in out


def test_sensitive_variable_values_are_masked_in_build_output(tmp_path):
    text = '''
variable "token" {
  type      = string
  default   = "s3cr3t-value"
  sensitive = true
}
source "null" "x" { communicator = "none" }
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo token=${var.token}", "echo quoted='${var.token}'", "printf '%s' '${var.token}' | base64"]
  }
}
'''
    code, out, _ = build(tmp_path, text)
    assert code == 0
    assert "s3cr3t-value" not in out
    assert "czNjcjN0LXZhbHVl" not in out  # base64 of the secret
    assert "token=<sensitive>" in out


def test_machine_readable_output_lists_artifacts(tmp_path):
    code, out, _ = build(tmp_path, LOCAL, "-only=null.one", "-machine-readable")
    assert code == 0
    lines = out.splitlines()
    assert any(line.split(",")[1:4] == ["null.one", "artifact-count", "1"] for line in lines)
    assert any(line.endswith(",null.one,artifact,0,builder-id,fnoeding.null") for line in lines)
    assert all(line.split(",", 1)[0].isdigit() for line in lines)


def test_manifest_post_processor_writes_packer_manifest(tmp_path):
    text = LOCAL.replace('''  }
}''', '''  }
  post-processor "manifest" { output = "m.json" }
}''')
    code, _, _ = build(tmp_path, text, "-only=null.one")
    assert code == 0
    manifest = json.loads((tmp_path / "m.json").read_text())
    assert manifest["builds"][0]["name"] == "one"
    assert manifest["builds"][0]["builder_type"] == "null"
    assert manifest["builds"][0]["artifact_id"] == "Null"
    assert manifest["last_run_uuid"] == manifest["builds"][0]["packer_run_uuid"]


def test_sigint_cancels_the_running_command_runs_cleanup_and_exits_1(tmp_path):
    template = tmp_path / "slow.pkr.hcl"
    template.write_text('''
source "null" "x" { communicator = "none" }
build {
  sources = ["source.null.x"]
  provisioner "shell-local" { inline = ["echo started", "sleep 30", "echo never"] }
  error-cleanup-provisioner "shell-local" { inline = ["echo cleaned > ${path.root}/cleaned.txt"] }
}
''')
    proc = subprocess.Popen([sys.executable, "-m", "builds.engine", "build", "-color=false", str(template)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    output = ""
    deadline = time.monotonic() + 20
    while "started" not in output and time.monotonic() < deadline:
        output += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    rest, _ = proc.communicate(timeout=20)
    output += rest
    assert proc.returncode == 1
    assert time.monotonic() - started < 10
    assert "Cancelling build after receiving SIGINT" in output
    assert "never" not in output
    assert "Cleanly cancelled builds after being interrupted." in output

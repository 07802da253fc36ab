"""Tests of running a build on a worker: real builds in a child process, recorded, cancelled, continued."""

import hashlib
import threading
import time

import pytest

from builds import runner, services
from builds.models import Build, BuildLogLine, BuildStep

pytestmark = pytest.mark.django_db(transaction=True)


def hcl_arguments(arguments: dict) -> str:
    lines = []
    for name, value in arguments.items():
        lines.append(f"  {name} = {value}" if isinstance(value, int) else f'  {name} = "{value}"')
    return "\n".join(lines)


def ssh_template(sshd, commands: list[str], extra: str = "") -> str:
    inline = ", ".join(f'"{command}"' for command in commands)
    return f"""
variable "password" {{
  type      = string
  sensitive = true
  default   = "unused"
}}

source "null" "ssh" {{
{hcl_arguments(sshd.arguments())}
}}

build {{
  sources = ["source.null.ssh"]

  provisioner "shell" {{
    inline = [{inline}]
  }}
{extra}
}}
"""


def texts(build: Build) -> list[str]:
    return list(BuildLogLine.objects.filter(build=build).order_by("seq").values_list("text", flat=True))


def run_in_thread(build: Build) -> threading.Thread:
    thread = threading.Thread(target=runner.execute, args=(build.pk,), daemon=True)
    thread.start()
    return thread


def wait_for(condition, timeout: float = 20.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_null_build_over_ssh_succeeds_with_its_log_steps_and_artifact(builder, make_template, sshd, quick_worker):
    version = make_template("Null", {"main.pkr.hcl": ssh_template(sshd, ["echo hello from $(whoami)"])})
    build = services.start_build(version, builder, {})

    assert runner.execute(build.pk) == Build.Status.SUCCEEDED

    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED
    assert build.started_at <= build.finished_at and build.worker_host
    assert build.exit_reason == "" and build.current_step == ""
    lines = list(BuildLogLine.objects.filter(build=build).order_by("seq"))
    assert [line.seq for line in lines] == list(range(1, len(lines) + 1))
    assert build.last_seq == len(lines)
    assert any(line.text == f"hello from {sshd.username}" and line.stream == "stdout" for line in lines)
    assert any(line.source == "null.ssh" and line.step == "provisioner shell" for line in lines)
    steps = list(BuildStep.objects.filter(build=build).values_list("phase", "name", "outcome"))
    assert ("run", "StepConnect", "ok") in steps
    assert ("provision", "provisioner shell", "ok") in steps
    assert ("cleanup", "StepConnect", "ok") in steps
    assert all(step.finished_at >= step.started_at for step in build.steps.all())
    artifact = build.artifacts.get()
    assert (artifact.source, artifact.builder_type, artifact.artifact_id) == ("null.ssh", "null", "Null")


def test_a_file_build_keeps_its_files_with_sizes_and_checksums(builder, make_template, quick_worker):
    content = "hello artifact\n"
    version = make_template("Files", {"main.pkr.hcl": f"""
source "file" "out" {{
  content = "{content.strip()}\\n"
  target  = "out/hello.txt"
}}

build {{
  sources = ["source.file.out"]
}}
"""})
    build = services.start_build(version, builder, {})

    assert runner.execute(build.pk) == Build.Status.SUCCEEDED

    artifact = Build.objects.get(pk=build.pk).artifacts.get()
    assert artifact.builder_type == "file"
    [stored] = artifact.files
    assert stored["name"] == "hello.txt"
    assert stored["size"] == len(content)
    assert stored["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert (quick_worker["ARTIFACTS_DIR"] / stored["path"]).read_text() == content


def test_sensitive_values_never_reach_the_stored_log(builder, shell_version, quick_worker):
    build = services.start_build(shell_version, builder, {"password": "given-secret-value"})

    runner.execute(build.pk)

    log = "\n".join(texts(build))
    assert "password=<sensitive>" in log
    assert "given-secret-value" not in log
    assert "default-secret" not in log
    assert "given-secret-value" not in Build.objects.filter(pk=build.pk).values_list("sensitive_variables",
                                                                                     flat=True).get()


def test_values_given_at_start_reach_the_build(builder, shell_version, quick_worker):
    build = services.start_build(shell_version, builder, {"greeting": "bonjour", "count": "7", "verbose": False})

    runner.execute(build.pk)

    assert "bonjour 7 false" in texts(build)


def test_cancel_through_the_database_stops_the_remote_command_and_cleans_up(builder, make_template, sshd,
                                                                          quick_worker):
    marker = f"imagehub-cancel-{time.time_ns()}"
    version = make_template("Long", {"main.pkr.hcl": ssh_template(
        sshd, ["echo started", f"sleep 30 # {marker}", "echo never"])})
    build = services.start_build(version, builder, {})
    thread = run_in_thread(build)
    wait_for(lambda: "started" in texts(build), what="the remote command to start")

    services.cancel_build(build, builder)
    thread.join(20)

    build.refresh_from_db()
    assert build.status == Build.Status.CANCELLED
    assert build.exit_reason == "Build was cancelled by bob."
    log = texts(build)
    assert "never" not in log
    assert "Build was cancelled by bob. Cleaning up..." in log
    outcomes = dict(BuildStep.objects.filter(build=build, phase="run").values_list("name", "outcome"))
    assert outcomes["StepProvision"] == "cancelled"
    assert BuildStep.objects.filter(build=build, phase="cleanup", name="StepConnect", outcome="ok").exists()
    # The bracket keeps pgrep from finding its own command line.
    still_running = sshd.run_as_user(f"pgrep -f '[s]leep 30 # {marker}' || true").stdout.strip()
    assert still_running == ""


def test_a_breakpoint_waits_for_continue_from_the_dashboard(builder, make_template, quick_worker):
    version = make_template("Pause", {"main.pkr.hcl": """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "breakpoint" {
    note = "check the disk"
  }

  provisioner "shell-local" {
    inline = ["echo after the pause"]
  }
}
"""})
    build = services.start_build(version, builder, {})
    thread = run_in_thread(build)
    wait_for(lambda: Build.objects.filter(pk=build.pk, paused_at__isnull=False).exists(), what="the pause")
    time.sleep(0.3)
    assert "after the pause" not in texts(build)

    services.continue_breakpoint(build, builder)
    thread.join(20)

    build.refresh_from_db()
    assert build.status == Build.Status.SUCCEEDED
    assert build.paused_at is None
    log = texts(build)
    assert 'Pausing at breakpoint provisioner with note "check the disk".' in log
    assert log.index("Waiting at the breakpoint: continue the build from its page.") < log.index("after the pause")


def test_a_failing_build_records_why(builder, make_template, quick_worker):
    version = make_template("Fails", {"main.pkr.hcl": """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo about to fail", "exit 3"]
  }
}
"""})
    build = services.start_build(version, builder, {})

    assert runner.execute(build.pk) == Build.Status.FAILED

    build.refresh_from_db()
    assert build.exit_reason.startswith("null.web: ")
    assert "exit status 3" in build.exit_reason or "3" in build.exit_reason
    assert BuildStep.objects.filter(build=build, name="provisioner shell-local", outcome="failed").exists()


def test_a_build_no_longer_queued_is_left_alone(builder, shell_version, quick_worker):
    build = services.start_build(shell_version, builder, {})
    services.cancel_build(build, builder)

    assert runner.execute(build.pk) == Build.Status.CANCELLED

    assert texts(build) == ["Build was cancelled by bob before it started."]


def test_the_server_secrets_are_withheld_from_the_template(builder, make_template, quick_worker, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user:hunter2@db/imagehub")
    version = make_template("Env", {"main.pkr.hcl": """
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo database=[$DATABASE_URL]"]
  }
}
"""})
    build = services.start_build(version, builder, {})

    runner.execute(build.pk)

    assert "database=[]" in texts(build)


@pytest.mark.parametrize(("value", "text"), [
    ("plain", "plain"), (True, "true"), (3, "3"), (2.5, "2.5"), (["a", 1], '["a", 1]'), ({"k": "v"}, '{"k": "v"}'),
])
def test_values_become_var_text_the_engine_reads_back(value, text):
    assert runner.variable_text(value) == text


def test_the_child_messages_of_a_read_are_decoded_in_order():
    raws = [b'{"t": "line", "text": "one"}', b'{"t": "step", "step": "StepConnect"}', b'{"t": "line", "text": "two"}']

    assert runner.decode_messages(raws) == [{"t": "line", "text": "one"}, {"t": "step", "step": "StepConnect"},
                                            {"t": "line", "text": "two"}]
    assert runner.decode_messages([]) == []


@pytest.mark.parametrize("stray", [b"Traceback (most recent call last):", b"42", b"", b"1, 2", b'"quoted"'])
def test_stray_output_among_the_child_messages_comes_as_text_in_its_place(stray):
    raws = [b'{"t": "line", "text": "before"}', stray, b'{"t": "line", "text": "after"}']

    assert runner.decode_messages(raws) == [{"t": "line", "text": "before"}, stray.decode(),
                                            {"t": "line", "text": "after"}]

"""Tests of the engine run under a supervising process: JSON lines out, cancel and continue in."""

import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from builds.engine import supervised

ROOT = Path(__file__).resolve().parents[3]

TEMPLATE = """
variable "who" {
  type    = string
  default = "world"
}

source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo hello ${var.who}", "sleep SECONDS"]
  }
}
"""


def start(directory: Path, seconds: int, request: dict) -> subprocess.Popen:
    (directory / "main.pkr.hcl").write_text(TEMPLATE.replace("SECONDS", str(seconds)))
    child = subprocess.Popen([sys.executable, "-m", "builds.engine.supervised"], cwd=directory,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    child.stdin.write(json.dumps({"ledger_dir": str(directory / "ledger"), **request}).encode() + b"\n")
    child.stdin.flush()
    return child


def messages_until(child: subprocess.Popen, predicate=lambda message: False) -> list[dict]:
    found = []
    for raw in child.stdout:
        found.append(json.loads(raw))
        if predicate(found[-1]):
            break
    return found


def test_a_run_reports_lines_steps_results_and_its_end(tmp_path):
    child = start(tmp_path, 0, {"vars": [["who", "bob"]]})
    messages = messages_until(child, lambda message: message["t"] == "done")
    child.stdin.close()

    assert child.wait(10) == 0
    kinds = [message["t"] for message in messages]
    assert kinds[-1] == "done" and messages[-1]["status"] == "succeeded"
    assert {"t": "line", "build": "null.web", "step": "provisioner shell-local", "stream": "stdout",
            "text": "hello bob"}.items() <= next(m for m in messages if m.get("text") == "hello bob").items()
    steps = [(m["step"], m["phase"], m["outcome"]) for m in messages if m["t"] == "step"]
    assert steps[:2] == [("StepConnect", "run", ""), ("StepConnect", "run", "ok")]
    [result] = [m for m in messages if m["t"] == "result"]
    assert result["type"] == "null" and result["artifacts"][0]["builder_id"] == "fnoeding.null"


@pytest.mark.parametrize("how", ["command", "closed stdin"])
def test_a_cancel_or_a_gone_supervisor_cancels_the_build_and_it_cleans_up(tmp_path, how):
    child = start(tmp_path, 30, {})
    messages_until(child, lambda message: message.get("text") == "hello world")
    started = time.monotonic()

    if how == "command":
        child.stdin.write(b'{"t": "cancel", "reason": "Cancelled by the test."}\n')
        child.stdin.flush()
    else:
        child.stdin.close()
    rest = messages_until(child)

    assert child.wait(10) == 1
    assert time.monotonic() - started < 10
    assert rest[-1] == {"t": "done", "status": "cancelled"}
    assert ("StepConnect", "cleanup", "ok") in [(m["step"], m["phase"], m["outcome"]) for m in rest if m["t"] == "step"]
    [result] = [m for m in rest if m["t"] == "result"]
    expected = "Cancelled by the test." if how == "command" else "the worker running it stopped"
    assert result["cancelled"] and expected in result["error"]


def test_a_template_that_cannot_be_built_ends_with_the_reason(tmp_path):
    (tmp_path / "main.pkr.hcl").write_text('source "null" "web" {\n  communicator = "none"\n}\n'
                                          'build {\n  sources = ["source.null.missing"]\n}\n')
    child = subprocess.Popen([sys.executable, "-m", "builds.engine.supervised"], cwd=tmp_path,
                             env={"PYTHONPATH": str(ROOT)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = child.communicate(b"{}\n", timeout=20)

    last = json.loads(out.splitlines()[-1])
    assert last["t"] == "done" and last["status"] == "failed"
    assert last["error"].startswith("The template cannot be built: ")


REGISTRY_TEMPLATE = """
data "imagehub-image" "base" {
  template = "golden-base"
  channel  = "production"
  region   = "us-east-1"
}

source "null" "web" {
  communicator = "none"
}

build {
  hcp_packer_registry {
    bucket_name = "web"
    channels    = ["dev", "qa"]
  }
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo starting from ${data.imagehub-image.base.id} of build ${data.imagehub-image.base.build_id}"]
  }
}
"""


def start_registry_build(directory: Path) -> subprocess.Popen:
    (directory / "main.pkr.hcl").write_text(REGISTRY_TEMPLATE)
    child = subprocess.Popen([sys.executable, "-m", "builds.engine.supervised"], cwd=directory,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                  "IMAGEHUB_URL": "http://127.0.0.1:9"},  # ignored: the supervisor answers
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    request = {"ledger_dir": str(directory / "ledger"), "registry": "supervisor"}
    child.stdin.write(json.dumps(request).encode() + b"\n")
    child.stdin.flush()
    return child


def reply(child: subprocess.Popen, message: dict) -> None:
    child.stdin.write(json.dumps(message).encode() + b"\n")
    child.stdin.flush()


def test_the_image_registry_is_the_supervisor_and_the_build_reports_its_channels(tmp_path):
    child = start_registry_build(tmp_path)
    [question] = [m for m in messages_until(child, lambda m: m["t"] == "registry") if m["t"] == "registry"]

    assert question["op"] == "channel_image"
    assert question["args"] == {"template": "golden-base", "channel": "production", "region": "us-east-1"}
    reply(child, {"t": "registry-reply", "id": question["id"], "result": {"id": "ami-0base", "build_id": 7}})
    messages = messages_until(child, lambda message: message["t"] == "done")
    child.stdin.close()

    assert child.wait(10) == 0
    assert {"t": "channels", "names": ["dev", "qa"]} in messages
    assert "starting from ami-0base of build 7" in [m.get("text") for m in messages]


def test_a_refusal_of_the_supervisor_stops_the_build_before_it_starts_with_the_reason(tmp_path):
    child = start_registry_build(tmp_path)
    [question] = [m for m in messages_until(child, lambda m: m["t"] == "registry") if m["t"] == "registry"]

    reply(child, {"t": "registry-reply", "id": question["id"], "error": "The image ami-0base is revoked: CVE."})
    messages = messages_until(child, lambda message: message["t"] == "done")
    child.stdin.close()

    assert child.wait(10) == 1
    assert messages[-1]["status"] == "failed"
    assert "data.imagehub-image.base: The image ami-0base is revoked: CVE." in messages[-1]["error"]
    assert not [m for m in messages if m["t"] == "step"]


def test_the_writer_writes_every_message_in_order_by_the_time_it_closes():
    out = io.BytesIO()
    writer = supervised.Writer(out)
    for number in range(2000):
        writer.send({"t": "line", "text": str(number)})
    writer.close()

    assert [json.loads(raw)["text"] for raw in out.getvalue().splitlines()] == [str(n) for n in range(2000)]


class StalledOutput(io.BytesIO):
    """A supervisor that stops reading until `release` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    def write(self, data: bytes) -> int:
        self.release.wait(10)
        return super().write(data)


def test_a_sender_waits_while_the_supervisor_reads_nothing_so_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr(supervised.Writer, "MAX_PENDING", 10)
    out = StalledOutput()
    writer = supervised.Writer(out)
    sent = []

    def send_many():
        for number in range(100):
            writer.send({"t": "line", "text": str(number)})
            sent.append(number)

    sender = threading.Thread(target=send_many, daemon=True)
    sender.start()
    time.sleep(0.3)

    assert sender.is_alive() and len(sent) <= 2 * supervised.Writer.MAX_PENDING + 1
    out.release.set()
    sender.join(10)
    writer.close()
    assert len(out.getvalue().splitlines()) == 100


class GoneSupervisor(io.BytesIO):
    def write(self, data: bytes) -> int:
        raise BrokenPipeError


def test_once_the_supervisor_is_gone_messages_are_dropped_without_waiting(monkeypatch):
    monkeypatch.setattr(supervised.Writer, "MAX_PENDING", 2)
    writer = supervised.Writer(GoneSupervisor())
    writer.send({"t": "line", "text": "lost"})
    deadline = time.monotonic() + 5
    while not writer.broken and time.monotonic() < deadline:
        time.sleep(0.01)

    for number in range(50):
        writer.send({"t": "line", "text": str(number)})
    writer.close()
    assert writer.broken

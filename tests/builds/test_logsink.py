"""Tests of the log sink: numbering, batching by count and time, storing before broadcasting, bounded memory."""

import threading
import time

import pytest

from builds import logsink
from builds.engine.ui import Line, Masker
from builds.models import Build, BuildLogLine, BuildStep

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def build(builder, shell_version):
    from builds import services

    build = services.start_build(shell_version, builder, {})
    Build.objects.filter(pk=build.pk).update(status=Build.Status.RUNNING)
    build.refresh_from_db()
    return build


@pytest.fixture
def sent(monkeypatch):
    """The messages broadcast, each with the number of the build's lines stored when it was sent."""
    messages = []

    def send(group, message, wait=True):
        messages.append((group, message, BuildLogLine.objects.count()))
        return True

    monkeypatch.setattr(logsink.broadcast, "send", send)
    return messages


def line_batches(sent):
    return [[line["seq"] for line in logsink.event_lines(message)] for _, message, _ in sent
            if message["type"] == "build.lines"]


def test_lines_are_numbered_stored_and_broadcast_in_batches_by_count(build, sent):
    sink = logsink.LogSink(build, batch_lines=10, batch_seconds=5).start()
    for index in range(25):
        sink.line("null.web", "StepConnect", "stdout", f"line {index}")

    assert sink.close(status=Build.Status.SUCCEEDED) == 25

    assert [len(batch) for batch in line_batches(sent)] == [10, 10, 5]
    assert sum(line_batches(sent), []) == list(range(1, 26))
    stored = list(BuildLogLine.objects.filter(build=build).values_list("seq", "text"))
    assert stored == [(index + 1, f"line {index}") for index in range(25)]
    assert {group for group, _, _ in sent} == {f"build-{build.pk}"}


def test_a_quiet_build_line_is_stored_and_sent_within_the_batch_time(build, sent):
    sink = logsink.LogSink(build, batch_lines=500, batch_seconds=0.05).start()
    started = time.monotonic()
    sink.line("null.web", "", "say", "only line")

    while not line_batches(sent) and time.monotonic() - started < 5:
        time.sleep(0.005)

    assert line_batches(sent) == [[1]]
    assert time.monotonic() - started < 1.0
    sink.close(status=Build.Status.SUCCEEDED)


def test_lines_are_stored_before_they_are_broadcast(build, sent):
    sink = logsink.LogSink(build, batch_lines=7, batch_seconds=0.01).start()
    for index in range(50):
        sink.line("null.web", "", "stdout", str(index))
    sink.close(status=Build.Status.SUCCEEDED)

    for _, message, stored in sent:
        if message["type"] == "build.lines":
            assert stored >= message["last"] == logsink.event_lines(message)[-1]["seq"]


def test_the_final_status_carries_the_last_seq_and_is_recorded(build, sent):
    sink = logsink.LogSink(build, batch_lines=100, batch_seconds=0.01).start()
    sink.line("null.web", "", "say", "one")
    sink.line("null.web", "", "say", "two")
    sink.close(status=Build.Status.FAILED, exit_reason="null.web: it broke")

    _, final, _ = sent[-1]
    assert final == {"type": "build.status", "status": "failed", "current_step": "", "last_seq": 2,
                     "final": True, "paused": False}
    build.refresh_from_db()
    assert (build.status, build.last_seq, build.exit_reason) == ("failed", 2, "null.web: it broke")


def test_a_final_status_does_not_overwrite_a_build_marked_lost(build, sent):
    sink = logsink.LogSink(build, batch_seconds=0.01).start()
    Build.objects.filter(pk=build.pk).update(status=Build.Status.LOST)

    sink.close(status=Build.Status.SUCCEEDED)

    assert Build.objects.get(pk=build.pk).status == Build.Status.LOST
    assert sent[-1][1]["status"] == "lost"


def test_steps_are_recorded_and_the_started_one_is_current(build, sent):
    sink = logsink.LogSink(build, batch_seconds=0.01).start()
    sink.step("null.web", "StepConnect", "run", 1000.0)
    sink.step("null.web", "StepConnect", "run", 1002.5, "ok")
    sink.step("null.web", "StepProvision", "run", 1003.0)
    sink.line("null.web", "StepProvision", "say", "provisioning")
    time.sleep(0.2)

    assert Build.objects.get(pk=build.pk).current_step == "null.web: StepProvision"
    statuses = [message for _, message, _ in sent if message["type"] == "build.status"]
    assert statuses[-1]["current_step"] == "null.web: StepProvision" and not statuses[-1]["final"]
    sink.close(status=Build.Status.CANCELLED)

    steps = {step.name: step for step in BuildStep.objects.filter(build=build)}
    assert steps["StepConnect"].outcome == "ok"
    assert steps["StepConnect"].duration.total_seconds() == 2.5
    assert steps["StepProvision"].outcome == "interrupted"


def test_engine_lines_are_taken_and_masked(build, sent):
    sink = logsink.LogSink(build, masker=Masker(["topsecret"]), batch_seconds=0.01).start()
    sink.emit(Line(1, 1000.0, "null.web", "StepProvision", "stdout", "the key is topsecret"))
    sink.emit(Line(2, 1000.1, "null.web", "", "machine", "artifact-count", ("1",)))
    sink.close(status=Build.Status.SUCCEEDED)

    assert list(BuildLogLine.objects.filter(build=build).values_list("text", flat=True)) == [
        "the key is <sensitive>"]


def test_text_no_database_accepts_is_replaced():
    assert logsink.clean_text("a\x00b") == "a\N{REPLACEMENT CHARACTER}b"
    assert logsink.clean_text("bad \udcff byte") == "bad ? byte"


def test_a_producer_ahead_of_the_database_waits_so_memory_stays_bounded(build, sent, monkeypatch):
    release = threading.Event()
    original = logsink.LogSink._write

    def slow_write(self, batch):
        release.wait(10)
        original(self, batch)

    monkeypatch.setattr(logsink.LogSink, "_write", slow_write)
    sink = logsink.LogSink(build, batch_lines=10, batch_seconds=0.01).start()
    produced = []

    def produce():
        for index in range(1000):
            sink.line("null.web", "", "stdout", str(index))
            produced.append(index)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    time.sleep(0.3)

    waiting = len(produced)
    assert waiting <= 10 * logsink.WAITING_BATCHES + 10 + 1
    assert producer.is_alive()
    release.set()
    producer.join(10)
    assert sink.close(status=Build.Status.SUCCEEDED) == 1000

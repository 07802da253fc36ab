"""Tests for build output: line numbering, tagging, splitting, masking of secrets and the sinks."""

import base64
import json
import threading

import pytest

from builds.engine.ui import (
    ERROR,
    MACHINE,
    MASK,
    MESSAGE,
    SAY,
    STDERR,
    STDOUT,
    BuildUI,
    FanOutSink,
    Line,
    ListSink,
    Masker,
)


class ScriptedInteraction:
    def __init__(self, answer=""):
        self.answer = answer
        self.questions = []
        self.pauses = []

    def ask(self, build, question):
        self.questions.append((build, question))
        return self.answer

    def pause(self, build, note):
        self.pauses.append((build, note))


@pytest.fixture
def sink():
    return ListSink()


def test_lines_are_numbered_from_one_and_tagged_with_build_step_stream_and_time(sink):
    ticks = iter([100.0, 101.5, 102.25])
    ui = BuildUI("amazon-ebs.web", sink, clock=lambda: next(ticks))

    ui.say("Creating temporary keypair...")
    ui.step = "StepKeyPair"
    ui.message("key name: packer_1")
    ui.error("could not create it")

    assert sink.lines == [
        Line(1, 100.0, "amazon-ebs.web", "", SAY, "Creating temporary keypair..."),
        Line(2, 101.5, "amazon-ebs.web", "StepKeyPair", MESSAGE, "key name: packer_1"),
        Line(3, 102.25, "amazon-ebs.web", "StepKeyPair", ERROR, "could not create it"),
    ]
    assert ui.last_seq == 3


def test_each_writer_uses_its_own_stream(sink):
    ui = BuildUI("null.web", sink)

    ui.say("s")
    ui.message("m")
    ui.error("e")
    ui.stdout("o")
    ui.stderr("x")
    ui.machine("artifact-count", 1)

    assert [line.stream for line in sink.lines] == [SAY, MESSAGE, ERROR, STDOUT, STDERR, MACHINE]
    assert sink.lines[-1].text == "artifact-count"
    assert sink.lines[-1].data == ("1",)


def test_sequence_numbers_are_strictly_increasing_without_gaps_under_many_threads(sink):
    ui = BuildUI("null.web", sink)
    threads_count, per_thread = 8, 400
    barrier = threading.Barrier(threads_count)

    def write(index):
        barrier.wait()
        for n in range(per_thread):
            ui.stdout(f"thread {index} line {n}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [line.seq for line in sink.lines] == list(range(1, threads_count * per_thread + 1))
    assert ui.last_seq == threads_count * per_thread


def test_multi_line_text_becomes_one_numbered_line_per_line(sink):
    ui = BuildUI("null.web", sink)

    ui.stdout("first\r\nsecond\n\nfourth\n")

    assert [(line.seq, line.text) for line in sink.lines] == [(1, "first"), (2, "second"), (3, ""), (4, "fourth")]


def test_empty_text_is_one_empty_line(sink):
    ui = BuildUI("null.web", sink)

    ui.message("")

    assert sink.texts() == [""]


def test_to_dict_carries_every_field():
    line = Line(7, 1.5, "null.web", "StepX", MACHINE, "artifact", ("0", "id", "Null"))

    assert line.to_dict() == {"seq": 7, "time": 1.5, "build": "null.web", "step": "StepX", "stream": MACHINE,
                              "text": "artifact", "data": ["0", "id", "Null"]}


SECRET = 'hunter2"\\pa$$'


@pytest.mark.parametrize("shown", [
    SECRET,
    json.dumps(SECRET)[1:-1],  # inside a JSON document
    base64.b64encode(SECRET.encode()).decode(),
    base64.b64encode(SECRET.encode()).decode().rstrip("="),
    base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
], ids=["raw", "json-escaped", "base64", "base64-unpadded", "base64-urlsafe"])
def test_secret_is_masked_in_every_form_it_can_take(sink, shown):
    ui = BuildUI("null.web", sink, masker=Masker([SECRET]))

    ui.stdout(f"value={shown};")

    assert sink.texts() == [f"value={MASK};"]


def test_secret_with_a_single_quote_is_masked_in_its_shell_quoted_form(sink):
    secret = "it's-a-secret"
    ui = BuildUI("null.web", sink, masker=Masker([secret]))

    ui.stdout("export PASSWORD='it'\"'\"'s-a-secret'")

    assert sink.texts() == [f"export PASSWORD='{MASK}'"]


def test_secret_inside_quotes_keeps_its_quotes(sink):
    ui = BuildUI("null.web", sink, masker=Masker(["hunter22"]))

    ui.stdout('{"password": "hunter22"}')
    ui.stdout("PASSWORD='hunter22'")

    assert sink.texts() == ['{"password": "<sensitive>"}', "PASSWORD='<sensitive>'"]


def test_tiny_and_empty_secrets_are_not_masked(sink):
    masker = Masker(["", "a", "ab"])
    ui = BuildUI("null.web", sink, masker=masker)

    ui.say("a cab is about")

    assert not masker.active
    assert sink.texts() == ["a cab is about"]


def test_secret_added_later_is_masked_from_then_on(sink):
    masker = Masker()
    ui = BuildUI("null.web", sink, masker=masker)

    ui.message("token abc123")
    masker.add("abc123")
    ui.message("token abc123")

    assert sink.texts() == ["token abc123", f"token {MASK}"]


def test_every_occurrence_and_every_secret_is_masked(sink):
    ui = BuildUI("null.web", sink, masker=Masker(["s3cr3t", "p4ssw0rd"]))

    ui.error("s3cr3t and p4ssw0rd and s3cr3t again")

    assert sink.texts() == [f"{MASK} and {MASK} and {MASK} again"]


def test_longer_secret_containing_a_shorter_one_is_masked_whole(sink):
    ui = BuildUI("null.web", sink, masker=Masker(["token", "token-for-prod"]))

    ui.message("use token-for-prod, not token")

    assert sink.texts() == [f"use {MASK}, not {MASK}"]


def test_machine_readable_fields_are_masked(sink):
    ui = BuildUI("null.web", sink, masker=Masker(["hunter22"]))

    ui.machine("artifact", "0", "string", "password hunter22")

    assert sink.lines[0].data == ("0", "string", f"password {MASK}")


def test_multi_line_secret_is_masked_before_the_text_is_split(sink):
    key = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END KEY-----"
    ui = BuildUI("null.web", sink, masker=Masker([key]))

    ui.stdout(f"key:\n{key}\ndone")

    assert sink.texts() == ["key:", MASK, "done"]


def test_ask_shows_the_question_and_returns_the_operators_answer(sink):
    interaction = ScriptedInteraction("c")
    ui = BuildUI("null.web", sink, interaction=interaction)

    answer = ui.ask("Clean up?")

    assert answer == "c"
    assert interaction.questions == [("null.web", "Clean up?")]
    assert sink.texts(SAY) == ["Clean up?"]


def test_pause_waits_through_the_interaction(sink):
    interaction = ScriptedInteraction()
    ui = BuildUI("null.web", sink, interaction=interaction)

    ui.pause("Pausing at breakpoint")

    assert interaction.pauses == [("null.web", "Pausing at breakpoint")]


def test_ask_and_pause_without_an_interaction_fail_loudly(sink):
    ui = BuildUI("null.web", sink)

    with pytest.raises(RuntimeError, match="cannot ask"):
        ui.ask("Clean up?")
    with pytest.raises(RuntimeError, match="cannot pause"):
        ui.pause("breakpoint")


def test_list_sink_filters_texts_by_stream(sink):
    ui = BuildUI("null.web", sink)
    ui.say("step")
    ui.stdout("out")

    assert sink.texts(STDOUT) == ["out"]
    assert sink.texts() == ["step", "out"]


def test_fan_out_sink_hands_every_line_to_every_sink():
    first, second = ListSink(), ListSink()
    ui = BuildUI("null.web", FanOutSink(first, second))

    ui.say("one")
    ui.say("two")

    assert first.lines == second.lines
    assert [line.seq for line in first.lines] == [1, 2]

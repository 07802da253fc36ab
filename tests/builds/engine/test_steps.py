"""Tests for the step runner: order, reverse cleanup, errors, cancellation, on-error policies and -debug pauses."""

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.hook import Hook
from builds.engine.state import BuildState
from builds.engine.steps import Action, CleanupFailure, OnErrorPolicy, Runner, StepError, step_name
from builds.engine.ui import ERROR, BuildUI, ListSink


class ScriptedInteraction:
    """Answers questions from a list, in order, and remembers what was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.questions = []
        self.pauses = []

    def ask(self, build, question):
        self.questions.append(question)
        return self.answers.pop(0)

    def pause(self, build, note):
        self.pauses.append(note)


class RecordingStep:
    """A step that logs its run and cleanup, and fails, halts or cancels as told."""

    def __init__(self, name, log, *, action=Action.CONTINUE, raises=None, cleanup_raises=None,
                 cancels=False, sets_error=None):
        self.name = name
        self.log = log
        self.action = action
        self.raises = raises
        self.cleanup_raises = cleanup_raises
        self.cancels = cancels
        self.sets_error = sets_error

    def run(self, state):
        self.log.append(("run", self.name))
        state.ui.say(f"running {self.name}")
        if self.cancels:
            state.cancel.cancel("Cancelled by the operator")
        if self.sets_error is not None:
            state.error = self.sets_error
        if self.raises is not None:
            raise self.raises
        return self.action

    def cleanup(self, state):
        self.log.append(("cleanup", self.name))
        state.ui.message(f"cleaning {self.name}")
        if self.cleanup_raises is not None:
            raise self.cleanup_raises


class StepProvision(RecordingStep):
    """A step that runs the provisioners, and so the error-cleanup-provisioner in its cleanup."""

    runs_error_cleanup_provisioner = True


class StepWithoutName:
    def run(self, state):
        return Action.CONTINUE

    def cleanup(self, state):
        state.ui.message("nothing to undo")


@pytest.fixture
def sink():
    return ListSink()


def make_state(sink, interaction=None):
    return BuildState(ui=BuildUI("null.web", sink, interaction=interaction), cancel=CancelToken(), hook=Hook(),
                      build_name="null.web", source_type="null", source_name="web")


@pytest.fixture
def state(sink):
    return make_state(sink)


def test_steps_run_in_order_and_clean_up_in_reverse_after_success(state):
    log = []
    steps = [RecordingStep(name, log) for name in ("StepA", "StepB", "StepC")]

    Runner(steps).run(state)

    assert log == [("run", "StepA"), ("run", "StepB"), ("run", "StepC"),
                   ("cleanup", "StepC"), ("cleanup", "StepB"), ("cleanup", "StepA")]
    assert state.error is None
    assert state.cleanup_failures == []


def test_cleanup_runs_in_reverse_for_started_steps_including_the_failing_one(state):
    log = []
    failure = StepError("could not create the key pair")
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, action=Action.HALT, sets_error=failure),
             RecordingStep("StepC", log)]

    Runner(steps).run(state)

    assert log == [("run", "StepA"), ("run", "StepB"), ("cleanup", "StepB"), ("cleanup", "StepA")]
    assert state.error is failure


def test_cleanup_runs_in_reverse_order_after_cancel(state):
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log),
             RecordingStep("StepC", log, cancels=True, raises=Cancelled("Cancelled by the operator")),
             RecordingStep("StepD", log)]

    Runner(steps).run(state)

    assert log == [("run", "StepA"), ("run", "StepB"), ("run", "StepC"),
                   ("cleanup", "StepC"), ("cleanup", "StepB"), ("cleanup", "StepA")]
    assert state.cancel.cancelled
    assert state.error is None


def test_cancel_during_a_successful_step_stops_before_the_next_step(state):
    log = []
    steps = [RecordingStep("StepA", log, cancels=True), RecordingStep("StepB", log)]

    Runner(steps).run(state)

    assert log == [("run", "StepA"), ("cleanup", "StepA")]


def test_cancel_before_the_run_starts_runs_and_cleans_nothing(state):
    log = []
    state.cancel.cancel()

    Runner([RecordingStep("StepA", log)]).run(state)

    assert log == []


def test_cancelled_raised_by_a_step_cancels_the_build(state):
    log = []

    Runner([RecordingStep("StepA", log, raises=Cancelled("interrupted")), RecordingStep("StepB", log)]).run(state)

    assert state.cancel.cancelled
    assert log == [("run", "StepA"), ("cleanup", "StepA")]


def test_exception_in_a_step_becomes_state_error_and_cleanup_still_runs(state, sink):
    log = []
    bug = KeyError("instance_id")
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, raises=bug), RecordingStep("StepC", log)]

    Runner(steps).run(state)

    assert state.error is bug
    assert log == [("run", "StepA"), ("run", "StepB"), ("cleanup", "StepB"), ("cleanup", "StepA")]
    assert "Internal error in StepB: KeyError('instance_id')" in sink.texts(ERROR)
    assert any(text.startswith("Traceback") for text in sink.texts("message"))


def test_step_error_becomes_state_error_without_a_traceback(state, sink):
    log = []
    failure = StepError("Error launching source instance: quota exceeded")

    Runner([RecordingStep("StepRunSourceInstance", log, raises=failure)]).run(state)

    assert state.error is failure
    assert not any(text.startswith("Traceback") for text in sink.texts())
    assert log == [("run", "StepRunSourceInstance"), ("cleanup", "StepRunSourceInstance")]


def test_halt_without_an_error_records_which_step_halted(state):
    Runner([RecordingStep("StepWaitForSsh", [], action=Action.HALT)]).run(state)

    assert isinstance(state.error, StepError)
    assert str(state.error) == "StepWaitForSsh halted the build"


def test_halt_after_cancel_records_no_error(state):
    Runner([RecordingStep("StepA", [], action=Action.HALT, cancels=True)]).run(state)

    assert state.error is None


def test_cleanup_failure_is_recorded_and_reported_and_does_not_replace_the_original_error(state, sink):
    log = []
    failure = StepError("could not create the AMI")
    steps = [RecordingStep("StepA", log),
             RecordingStep("StepSecurityGroup", log, cleanup_raises=RuntimeError("DependencyViolation: sg-1 in use")),
             RecordingStep("StepCreateAMI", log, raises=failure)]

    Runner(steps).run(state)

    assert state.error is failure
    assert state.cleanup_failures == [CleanupFailure("StepSecurityGroup", "DependencyViolation: sg-1 in use")]
    assert log[-3:] == [("cleanup", "StepCreateAMI"), ("cleanup", "StepSecurityGroup"), ("cleanup", "StepA")]
    errors = sink.texts(ERROR)
    assert any("Cleanup of StepSecurityGroup failed: DependencyViolation: sg-1 in use" in text for text in errors)


def test_cleanup_failure_after_success_is_recorded_and_the_build_has_no_error(state):
    steps = [RecordingStep("StepKeyPair", [], cleanup_raises=ValueError())]

    Runner(steps).run(state)

    assert state.error is None
    assert state.cleanup_failures == [CleanupFailure("StepKeyPair", "ValueError()")]


def test_run_returning_none_fails_loudly_after_cleaning_up(state):
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepForgetful", log, action=None)]

    with pytest.raises(TypeError, match="StepForgetful.run must return an Action"):
        Runner(steps).run(state)

    assert log[-2:] == [("cleanup", "StepForgetful"), ("cleanup", "StepA")]


def test_keyboard_interrupt_in_a_step_propagates_after_cleanup(state):
    log = []

    with pytest.raises(KeyboardInterrupt):
        Runner([RecordingStep("StepA", log), RecordingStep("StepB", log, raises=KeyboardInterrupt())]).run(state)

    assert log[-2:] == [("cleanup", "StepB"), ("cleanup", "StepA")]


def test_ui_lines_carry_the_running_step_and_the_step_is_cleared_afterwards(state, sink):
    Runner([RecordingStep("StepA", []), RecordingStep("StepB", [])]).run(state)

    assert [(line.step, line.text) for line in sink.lines] == [
        ("StepA", "running StepA"), ("StepB", "running StepB"),
        ("StepB", "cleaning StepB"), ("StepA", "cleaning StepA")]
    assert state.ui.step == ""


def test_step_name_is_the_class_name_unless_the_step_names_itself():
    assert step_name(StepWithoutName()) == "StepWithoutName"
    assert step_name(RecordingStep("StepCustom", [])) == "StepCustom"


def test_on_error_policy_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="-on-error must be one of cleanup, abort, ask, run-cleanup-provisioner"):
        OnErrorPolicy("retry")


def test_on_error_abort_skips_cleanup_after_a_failure_and_says_so(state, sink):
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, raises=StepError("boom"))]

    Runner(steps, OnErrorPolicy("abort")).run(state)

    assert log == [("run", "StepA"), ("run", "StepB")]
    assert any("Skipped cleanup (-on-error=abort)" in text for text in sink.texts(ERROR))


def test_on_error_abort_still_cleans_up_after_success(state, sink):
    log = []

    Runner([RecordingStep("StepA", log)], OnErrorPolicy("abort")).run(state)

    assert log == [("run", "StepA"), ("cleanup", "StepA")]
    assert sink.texts(ERROR) == []


def test_on_error_abort_still_cleans_up_after_cancel(state):
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, cancels=True, raises=Cancelled("stop"))]

    Runner(steps, OnErrorPolicy("abort")).run(state)

    assert log[-2:] == [("cleanup", "StepB"), ("cleanup", "StepA")]


def test_on_error_ask_asks_once_and_cleans_up_when_told_to(sink):
    interaction = ScriptedInteraction("c")
    state = make_state(sink, interaction)
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log), RecordingStep("StepC", log,
                                                                                      raises=StepError("boom"))]

    Runner(steps, OnErrorPolicy("ask")).run(state)

    assert len(interaction.questions) == 1
    assert "StepC" in interaction.questions[0] and "boom" in interaction.questions[0]
    assert log[-3:] == [("cleanup", "StepC"), ("cleanup", "StepB"), ("cleanup", "StepA")]


def test_on_error_ask_aborts_without_cleanup_when_told_to(sink):
    interaction = ScriptedInteraction("a")
    state = make_state(sink, interaction)
    log = []
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, raises=StepError("boom"))]

    Runner(steps, OnErrorPolicy("ask")).run(state)

    assert len(interaction.questions) == 1
    assert log == [("run", "StepA"), ("run", "StepB")]
    assert any("Skipped cleanup (-on-error=ask)" in text for text in sink.texts(ERROR))


def test_on_error_ask_asks_again_until_the_answer_is_understood(sink):
    interaction = ScriptedInteraction("maybe", " A ")
    state = make_state(sink, interaction)
    log = []

    Runner([RecordingStep("StepA", log, raises=StepError("boom"))], OnErrorPolicy("ask")).run(state)

    assert len(interaction.questions) == 2
    assert log == [("run", "StepA")]


def test_on_error_ask_does_not_ask_after_success(sink):
    interaction = ScriptedInteraction()
    state = make_state(sink, interaction)
    log = []

    Runner([RecordingStep("StepA", log)], OnErrorPolicy("ask")).run(state)

    assert interaction.questions == []
    assert log == [("run", "StepA"), ("cleanup", "StepA")]


def test_on_error_run_cleanup_provisioner_cleans_up_only_the_provisioning_step(state, sink):
    log = []
    steps = [RecordingStep("StepA", log), StepProvision("StepProvision", log), RecordingStep("StepB", log),
             RecordingStep("StepC", log, raises=StepError("boom"))]

    Runner(steps, OnErrorPolicy("run-cleanup-provisioner")).run(state)

    assert [entry for entry in log if entry[0] == "cleanup"] == [("cleanup", "StepProvision")]
    assert any("Skipped cleanup (-on-error=run-cleanup-provisioner)" in text for text in sink.texts(ERROR))


def test_on_error_run_cleanup_provisioner_cleans_up_everything_after_success(state):
    log = []
    steps = [RecordingStep("StepA", log), StepProvision("StepProvision", log)]

    Runner(steps, OnErrorPolicy("run-cleanup-provisioner")).run(state)

    assert log[-2:] == [("cleanup", "StepProvision"), ("cleanup", "StepA")]


def test_debug_pause_is_called_after_each_successful_step(state):
    log = []
    paused = []

    def pause(name):
        paused.append(name)
        log.append(("pause", name))

    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log),
             RecordingStep("StepC", log, raises=StepError("boom")), RecordingStep("StepD", log)]

    Runner(steps, pause=pause).run(state)

    assert paused == ["StepA", "StepB"]
    assert log[:5] == [("run", "StepA"), ("pause", "StepA"), ("run", "StepB"), ("pause", "StepB"),
                       ("run", "StepC")]


def test_each_step_reports_its_run_and_cleanup_with_their_outcomes(sink):
    events = []
    state = make_state(sink)
    state.ui.on_step = events.append
    log = []
    failure = StepError("could not create the key pair")
    steps = [RecordingStep("StepA", log), RecordingStep("StepB", log, action=Action.HALT, sets_error=failure),
             RecordingStep("StepC", log)]

    Runner(steps).run(state)

    assert [(e.build, e.step, e.phase, e.outcome) for e in events] == [
        ("null.web", "StepA", "run", ""), ("null.web", "StepA", "run", "ok"),
        ("null.web", "StepB", "run", ""), ("null.web", "StepB", "run", "failed"),
        ("null.web", "StepB", "cleanup", ""), ("null.web", "StepB", "cleanup", "ok"),
        ("null.web", "StepA", "cleanup", ""), ("null.web", "StepA", "cleanup", "ok")]
    assert all(later.time >= earlier.time for earlier, later in zip(events, events[1:], strict=False))


def test_a_cancelled_step_and_a_failed_cleanup_report_so(sink):
    events = []
    state = make_state(sink)
    state.ui.on_step = events.append
    log = []
    steps = [RecordingStep("StepA", log, cleanup_raises=OSError("gone wrong")),
             RecordingStep("StepB", log, cancels=True, raises=Cancelled("Cancelled by the operator"))]

    Runner(steps).run(state)

    assert [(e.step, e.phase, e.outcome) for e in events if e.outcome] == [
        ("StepA", "run", "ok"), ("StepB", "run", "cancelled"), ("StepB", "cleanup", "ok"),
        ("StepA", "cleanup", "failed")]

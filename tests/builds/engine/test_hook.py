"""Tests for the provisioning hook: order, pause_before, max_retries, timeout, continue_on_error and cancellation."""

import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.communicators.none import NoneCommunicator
from builds.engine.hook import Hook, PreparedProvisioner
from builds.engine.plugins import PluginContext, Provisioner, ProvisionError
from builds.engine.state import BuildState
from builds.engine.steps import StepError
from builds.engine.ui import ERROR, SAY, BuildUI, ListSink

CONTEXT = PluginContext(build_name="null.web", build_type="null", source_name="web")


class RecordingProvisioner(Provisioner):
    """Says its text; fails the first ``fail_times`` runs; may wait, or cancel the build, as told."""

    type_name = "recording"

    def __init__(self, config, *, fail_times=0, wait=0.0, cancels=None):
        super().__init__(config, CONTEXT)
        self.fail_times = fail_times
        self.wait = wait
        self.cancels = cancels
        self.runs = 0
        self.tokens = []
        self.seen_generated = []

    def prepare(self):
        return [] if "text" in self.raw else ["text is required"]

    def provision(self, ui, communicator, generated, cancel):
        self.runs += 1
        self.tokens.append(cancel)
        self.seen_generated.append(dict(generated))
        generated["Scribbled"] = "by the provisioner"
        ui.say(self.raw["text"])
        if self.cancels is not None:
            self.cancels.cancel("Cancelled by the operator")
        if self.wait and cancel.wait(self.wait):
            raise Cancelled(cancel.reason)
        if self.runs <= self.fail_times:
            raise ProvisionError(f"{self.raw['text']} failed on run {self.runs}")


class NoDelayToken(CancelToken):
    """A cancel token whose waits return at once, remembering how long the hook meant to wait."""

    def __init__(self):
        super().__init__()
        self.waits = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        return self.cancelled


@pytest.fixture
def sink():
    return ListSink()


def make_state(sink, hook, cancel=None, communicator=None):
    state = BuildState(ui=BuildUI("null.web", sink), cancel=cancel or CancelToken(), hook=hook,
                       build_name="null.web", source_type="null", source_name="web",
                       communicator=communicator or NoneCommunicator())
    state.generated["ID"] = "i-0abc"
    return state


def prepared(text, name="", **options):
    plugin = RecordingProvisioner({"text": text}, **{k: options.pop(k) for k in ("fail_times", "wait", "cancels")
                                                     if k in options})
    return PreparedProvisioner("recording", plugin, name=name, **options)


def test_provisioners_run_in_order_each_under_its_own_step(sink):
    hook = Hook([prepared("first"), prepared("second", name="named")])

    hook.provision(make_state(sink, hook))

    assert [(line.step, line.text) for line in sink.lines] == [
        ("provisioner recording", "first"), ("provisioner named", "second")]


def test_provisioners_get_a_copy_of_the_generated_data(sink):
    first, second = prepared("first"), prepared("second")
    hook = Hook([first, second])
    state = make_state(sink, hook)

    hook.provision(state)

    assert first.plugin.seen_generated == [{"ID": "i-0abc"}]
    assert second.plugin.seen_generated == [{"ID": "i-0abc"}]
    assert state.generated == {"ID": "i-0abc"}


def test_a_failing_provisioner_stops_the_build_with_its_message(sink):
    failing, later = prepared("install", fail_times=1), prepared("later")
    hook = Hook([failing, later])

    with pytest.raises(StepError, match="install failed on run 1") as caught:
        hook.provision(make_state(sink, hook))

    assert isinstance(caught.value.__cause__, ProvisionError)
    assert later.plugin.runs == 0


def test_continue_on_error_reports_the_failure_and_runs_the_next_provisioner(sink):
    failing, later = prepared("optional", fail_times=1, continue_on_error=True), prepared("later")
    hook = Hook([failing, later])

    hook.provision(make_state(sink, hook))

    assert later.plugin.runs == 1
    assert sink.texts(ERROR) == [
        "Provisioner recording failed, continuing (continue_on_error): optional failed on run 1"]


def test_a_build_without_a_communicator_cannot_be_provisioned(sink):
    hook = Hook([prepared("first")])
    state = make_state(sink, hook)
    state.communicator = None

    with pytest.raises(StepError, match="no communicator"):
        hook.provision(state)


def test_pause_before_waits_before_the_provisioner_runs(sink):
    prov = prepared("after the pause", pause_before=0.15)
    hook = Hook([prov])
    started = time.monotonic()

    hook.provision(make_state(sink, hook))

    assert time.monotonic() - started >= 0.14
    assert sink.texts(SAY) == ["Pausing 150ms before the next provisioner...", "after the pause"]
    assert prov.plugin.runs == 1


def test_pause_before_is_cut_short_by_a_cancel(sink):
    prov = prepared("never", pause_before=30)
    hook = Hook([prov])
    state = make_state(sink, hook)
    threading.Timer(0.05, state.cancel.cancel, args=("Cancelled by the operator",)).start()
    started = time.monotonic()

    with pytest.raises(Cancelled, match="Cancelled by the operator"):
        hook.provision(state)

    assert time.monotonic() - started < 5
    assert prov.plugin.runs == 0


def test_max_retries_retries_a_failing_provisioner_until_it_succeeds(sink):
    prov = prepared("flaky", fail_times=2, max_retries=2)
    hook = Hook([prov])
    token = NoDelayToken()

    hook.provision(make_state(sink, hook, cancel=token))

    assert prov.plugin.runs == 3
    assert token.waits == [2, 4]
    assert sink.texts(ERROR) == [
        'Provisioner failed with "flaky failed on run 1", retrying with 2 trie(s) left',
        'Provisioner failed with "flaky failed on run 2", retrying with 1 trie(s) left',
    ]


def test_max_retries_gives_up_after_the_last_try_with_the_last_error(sink):
    prov = prepared("broken", fail_times=99, max_retries=2)
    hook = Hook([prov])

    with pytest.raises(StepError, match="broken failed on run 3"):
        hook.provision(make_state(sink, hook, cancel=NoDelayToken()))

    assert prov.plugin.runs == 3


def test_retry_delays_grow_and_stop_growing_at_thirty_seconds(sink):
    prov = prepared("broken", fail_times=99, max_retries=6)
    hook = Hook([prov])
    token = NoDelayToken()

    with pytest.raises(StepError):
        hook.provision(make_state(sink, hook, cancel=token))

    assert token.waits == [2, 4, 8, 16, 30, 30]


def test_a_cancel_during_the_retry_delay_stops_retrying(sink):
    prov = prepared("broken", fail_times=99, max_retries=3)
    hook = Hook([prov])
    state = make_state(sink, hook)
    threading.Timer(0.05, state.cancel.cancel).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        hook.provision(state)

    assert prov.plugin.runs == 1
    assert time.monotonic() - started < 1.5


def test_timeout_turns_into_a_provision_error_mentioning_the_timeout(sink):
    slow, later = prepared("slow", wait=30, timeout=0.1), prepared("later")
    hook = Hook([slow, later])
    state = make_state(sink, hook)
    started = time.monotonic()

    with pytest.raises(StepError, match="timed out after 100ms") as caught:
        hook.provision(state)

    assert isinstance(caught.value.__cause__, ProvisionError)
    assert time.monotonic() - started < 5
    assert not state.cancel.cancelled  # only the provisioner was stopped, not the build
    assert later.plugin.runs == 0


def test_timeout_applies_to_each_retry(sink):
    slow = prepared("slow", wait=30, timeout=0.05, max_retries=1)
    hook = Hook([slow])
    token = NoDelayToken()

    with pytest.raises(StepError, match="timed out after 50ms"):
        hook.provision(make_state(sink, hook, cancel=token))

    assert slow.plugin.runs == 2
    assert token.waits == [2]


def test_a_build_cancel_reaches_a_provisioner_running_under_a_timeout(sink):
    slow = prepared("slow", wait=30, timeout=60)
    hook = Hook([slow])
    state = make_state(sink, hook)
    threading.Timer(0.05, state.cancel.cancel, args=("Cancelled by the operator",)).start()

    with pytest.raises(Cancelled, match="Cancelled by the operator"):
        hook.provision(state)

    assert slow.plugin.tokens[0].cancelled


def test_cancel_stops_the_build_between_provisioners(sink):
    state_token = CancelToken()
    first, second = prepared("first", cancels=state_token), prepared("second")
    hook = Hook([first, second])

    with pytest.raises(Cancelled, match="Cancelled by the operator"):
        hook.provision(make_state(sink, hook, cancel=state_token))

    assert first.plugin.runs == 1
    assert second.plugin.runs == 0


def test_error_cleanup_provisioner_runs_even_after_a_cancel(sink):
    cleanup = prepared("cleaning up")
    hook = Hook([prepared("main")], error_cleanup=cleanup)
    state = make_state(sink, hook)
    state.cancel.cancel()

    hook.run_error_cleanup(state)

    assert cleanup.plugin.runs == 1
    assert not cleanup.plugin.tokens[0].cancelled
    assert sink.texts(SAY) == ["Provisioning with error-cleanup-provisioner recording...", "cleaning up"]


def test_a_failing_error_cleanup_provisioner_is_reported_not_raised(sink):
    cleanup = prepared("cleaning up", fail_times=1)
    hook = Hook([], error_cleanup=cleanup)

    hook.run_error_cleanup(make_state(sink, hook))

    assert sink.texts(ERROR) == ["error-cleanup-provisioner failed: cleaning up failed on run 1"]


def test_without_an_error_cleanup_provisioner_nothing_runs(sink):
    hook = Hook([prepared("main")])

    hook.run_error_cleanup(make_state(sink, hook))

    assert sink.lines == []


def test_each_provisioner_reports_its_start_and_outcome(sink):
    events = []
    hook = Hook([prepared("optional", fail_times=1, continue_on_error=True), prepared("second", name="named")])
    state = make_state(sink, hook)
    state.ui.on_step = events.append

    hook.provision(state)

    assert [(e.step, e.phase, e.outcome) for e in events] == [
        ("provisioner recording", "provision", ""), ("provisioner recording", "provision", "failed"),
        ("provisioner named", "provision", ""), ("provisioner named", "provision", "ok")]

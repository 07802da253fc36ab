"""Tests for the cancellation token: setting it once, callbacks, waiting and raising."""

import threading
import time

import pytest

from builds.engine.cancel import Cancelled, CancelToken


def test_new_token_is_not_cancelled():
    token = CancelToken()

    assert not token.cancelled
    token.raise_if_cancelled()  # does not raise


def test_cancel_sets_the_token_and_keeps_the_reason():
    token = CancelToken()

    token.cancel("Interrupted by SIGINT")

    assert token.cancelled
    assert token.reason == "Interrupted by SIGINT"


def test_cancel_is_idempotent_and_keeps_the_first_reason():
    token = CancelToken()
    calls = []
    token.on_cancel(lambda: calls.append("called"))

    token.cancel("first")
    token.cancel("second")

    assert token.reason == "first"
    assert calls == ["called"]


def test_raise_if_cancelled_raises_cancelled_with_the_reason():
    token = CancelToken()
    token.cancel("Build cancelled from the dashboard")

    with pytest.raises(Cancelled, match="Build cancelled from the dashboard"):
        token.raise_if_cancelled()


def test_callbacks_run_once_in_registration_order_when_cancelled():
    token = CancelToken()
    calls = []
    token.on_cancel(lambda: calls.append("kill ssh command"))
    token.on_cancel(lambda: calls.append("stop container"))

    token.cancel()

    assert calls == ["kill ssh command", "stop container"]


def test_callback_registered_after_cancel_runs_at_once():
    token = CancelToken()
    token.cancel()
    calls = []

    token.on_cancel(lambda: calls.append("late"))

    assert calls == ["late"]


def test_closed_registration_does_not_run_its_callback():
    token = CancelToken()
    calls = []
    with token.on_cancel(lambda: calls.append("left the with block")) as registration:
        assert registration is not None
    kept = token.on_cancel(lambda: calls.append("kept"))
    closed = token.on_cancel(lambda: calls.append("closed"))
    closed.close()

    token.cancel()

    assert calls == ["kept"]
    kept.close()


def test_failing_callback_does_not_stop_the_others():
    token = CancelToken()
    calls = []

    def broken():
        raise OSError("process already gone")

    token.on_cancel(broken)
    token.on_cancel(lambda: calls.append("second"))

    token.cancel()

    assert token.cancelled
    assert calls == ["second"]


def test_wait_times_out_and_returns_false_when_not_cancelled():
    token = CancelToken()
    started = time.monotonic()

    assert token.wait(0.05) is False
    assert time.monotonic() - started >= 0.04


def test_wait_returns_true_as_soon_as_another_thread_cancels():
    token = CancelToken()
    threading.Timer(0.05, token.cancel).start()
    started = time.monotonic()

    assert token.wait(5) is True
    assert time.monotonic() - started < 2


def test_concurrent_cancels_run_each_callback_exactly_once():
    token = CancelToken()
    calls = []
    lock = threading.Lock()

    def record():
        with lock:
            calls.append(1)

    for _ in range(20):
        token.on_cancel(record)
    barrier = threading.Barrier(8)

    def cancel():
        barrier.wait()
        token.cancel()

    threads = [threading.Thread(target=cancel) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 20

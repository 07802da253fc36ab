"""Waiter: checks at once, gives up after the last attempt, stops on a cancel, fails on a dead end."""

from __future__ import annotations

import pytest

from builds.engine.builders.amazon.common.waiting import Waiter, WaitError
from builds.engine.cancel import Cancelled, CancelToken


def test_a_ready_resource_costs_one_check():
    calls = []

    Waiter(5, 3).wait("x", lambda: calls.append(1) or True)

    assert calls == [1]


def test_the_last_attempt_ends_the_wait():
    calls = []

    with pytest.raises(WaitError, match="exceeded wait attempts \\(3, 0.01s apart\\) waiting for the thing"):
        Waiter(0.01, 3).wait("the thing", lambda: calls.append(1) and False)

    assert len(calls) == 3


def test_a_cancel_between_attempts_stops_the_wait():
    cancel = CancelToken()
    cancel.cancel("stop")

    with pytest.raises(Cancelled):
        Waiter(10, 5).wait("x", lambda: False, cancel)


def test_waiter_config_comes_from_aws_polling():
    assert Waiter.from_config({"Delay": 2, "MaxAttempts": 7}) == Waiter(2.0, 7)

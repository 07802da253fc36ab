"""StepCleanupTempKeys: with ssh_clear_authorized_keys, the temporary key's line leaves authorized_keys."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from builds.engine.builders.amazon.common.step_cleanup_temp_keys import StepCleanupTempKeys
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.steps import Action
from tests.builds.engine.builders.amazon.conftest import new_state, output

KEYS = "ssh-rsa AAAAfirst packer_abc\nssh-ed25519 AAAAsecond mine\n"


@pytest.fixture
def authorized_keys(sshd) -> Iterator[str]:
    """The test user's ~/.ssh/authorized_keys, holding the temporary key's line and another; removed after."""
    path = os.path.join(sshd.home, ".ssh", "authorized_keys")
    sshd.run_as_user(f"mkdir -p ~/.ssh && printf '{KEYS}' > ~/.ssh/authorized_keys")
    yield path
    for leftover in (path, path + ".bak"):
        if os.path.exists(leftover):
            os.remove(leftover)


@pytest.fixture
def connected(sshd, moto):
    """An amazon build state whose temporary key pair is ``packer_abc``, connected to the sshd."""
    state = new_state(moto)
    state.temporary_key_pair_name = "packer_abc"
    state.communicator = SSHCommunicator(SSHConfig.from_arguments(sshd.arguments()))
    state.communicator.connect(state.cancel)
    yield state
    state.communicator.disconnect()


def _read(path: str) -> str:
    with open(path, encoding="ascii") as handle:
        return handle.read()


def test_the_temporary_keys_line_is_removed_and_the_others_stay(connected, authorized_keys):
    action = StepCleanupTempKeys(clear_authorized_keys=True, communicator="ssh").run(connected)

    assert action is Action.CONTINUE
    assert _read(authorized_keys) == "ssh-ed25519 AAAAsecond mine\n"
    assert not os.path.exists(authorized_keys + ".bak")
    assert "Trying to remove ephemeral keys from authorized_keys files" in output(connected)


def test_nothing_runs_unless_asked(connected, authorized_keys):
    StepCleanupTempKeys(clear_authorized_keys=False, communicator="ssh").run(connected)

    assert _read(authorized_keys) == KEYS
    assert output(connected) == ""


def test_a_removal_that_fails_is_reported_and_the_build_goes_on(connected, sshd):
    sshd.run_as_user("rm -f ~/.ssh/authorized_keys")  # nothing to edit: sed exits non-zero

    action = StepCleanupTempKeys(clear_authorized_keys=True, communicator="ssh").run(connected)

    assert action is Action.CONTINUE
    assert connected.error is None
    assert "please check authorized_keys by hand" in output(connected)

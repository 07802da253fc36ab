"""Helpers for the SSH communicator tests: communicators connected to the session's sshd."""

from collections.abc import Callable, Iterator

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.communicators.base import RemoteCommand
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig


class Output:
    """Collects what a command printed, in arrival order, tagged by stream."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def command(self, text: str, stdin: bytes | None = None) -> RemoteCommand:
        return RemoteCommand(text, stdout=lambda line: self.lines.append(("out", line)),
                             stderr=lambda line: self.lines.append(("err", line)), stdin=stdin)

    def stream(self, name: str) -> list[str]:
        return [text for stream, text in self.lines if stream == name]


@pytest.fixture
def make_communicator(sshd) -> Iterator[Callable[..., SSHCommunicator]]:
    """Build (and, unless ``connect=False``, connect) communicators to the sshd; all disconnect at the end."""
    made: list[SSHCommunicator] = []

    def make(connect: bool = True, **overrides: object) -> SSHCommunicator:
        communicator = SSHCommunicator(SSHConfig.from_arguments(sshd.arguments(**overrides)))
        made.append(communicator)
        if connect:
            communicator.connect(CancelToken())
        return communicator

    yield make
    for communicator in made:
        communicator.disconnect()


@pytest.fixture
def communicator(make_communicator) -> SSHCommunicator:
    """A communicator connected to the sshd with the test user's key."""
    return make_communicator()


@pytest.fixture
def output() -> Output:
    return Output()

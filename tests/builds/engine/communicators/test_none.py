"""Tests for the none communicator: connecting is a no-op, everything else says it cannot be done."""

import io

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.communicators.base import CommunicatorError, RemoteCommand
from builds.engine.communicators.none import NoneCommunicator


def test_connect_and_disconnect_succeed():
    communicator = NoneCommunicator()

    communicator.connect(CancelToken())
    communicator.disconnect()
    communicator.disconnect()


@pytest.mark.parametrize(("call", "what"), [
    (lambda c: c.run(RemoteCommand("uname -a"), CancelToken()), "cannot run 'uname -a'"),
    (lambda c: c.upload("/tmp/x", io.BytesIO(b"x")), "cannot upload /tmp/x"),
    (lambda c: c.upload_dir("/tmp", "files"), "cannot upload the directory files to /tmp"),
    (lambda c: c.download("/etc/os-release", io.BytesIO()), "cannot download /etc/os-release"),
    (lambda c: c.download_dir("/var/log", "logs"), "cannot download the directory /var/log"),
])
def test_every_other_operation_raises_a_clear_error(call, what):
    with pytest.raises(CommunicatorError) as raised:
        call(NoneCommunicator())

    assert str(raised.value).startswith(f"communicator none {what}: ")
    assert 'communicator = "none"' in str(raised.value)

"""Fixtures for the provisioner tests: a recording build UI, a plugin context, a cancel token and an
SSH communicator connected to the test sshd."""

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.communicators.ssh.communicator import SSHCommunicator
from builds.engine.communicators.ssh.config import SSHConfig
from builds.engine.plugins import PluginContext
from builds.engine.ui import BuildUI, ListSink


class RecordingInteraction:
    """Answers questions and pauses at once, remembering what was asked."""

    def __init__(self):
        self.pauses = []
        self.questions = []

    def ask(self, build, question):
        self.questions.append(question)
        return ""

    def pause(self, build, note):
        self.pauses.append((build, note))


@pytest.fixture
def sink():
    return ListSink()


@pytest.fixture
def interaction():
    return RecordingInteraction()


@pytest.fixture
def ui(sink, interaction):
    return BuildUI("null.test", sink, interaction=interaction)


@pytest.fixture
def context(tmp_path):
    return PluginContext(build_name="test", build_type="null", source_name="test",
                         template_dir=str(tmp_path))


@pytest.fixture
def cancel():
    return CancelToken()


@pytest.fixture(scope="module")
def ssh(sshd):
    """An SSH communicator connected to the test sshd, shared by a test module."""
    communicator = SSHCommunicator(SSHConfig.from_arguments(sshd.arguments()))
    communicator.connect(CancelToken())
    yield communicator
    communicator.disconnect()

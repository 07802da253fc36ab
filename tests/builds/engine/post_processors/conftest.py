"""Fixtures for the post-processor tests: a recording build UI, a plugin context, a cancel token, and
a working directory of their own for outputs given as relative paths."""

import pytest

from builds.engine.cancel import CancelToken
from builds.engine.plugins import PluginContext
from builds.engine.ui import BuildUI, ListSink


@pytest.fixture
def sink():
    return ListSink()


@pytest.fixture
def ui(sink):
    return BuildUI("file.web", sink)


@pytest.fixture
def context(tmp_path):
    return PluginContext(build_name="file.web", build_type="file", source_name="web",
                         template_dir=str(tmp_path), packer_run_uuid="11111111-2222-3333-4444-555555555555")


@pytest.fixture
def cancel():
    return CancelToken()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """The test's temporary directory, made the current directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

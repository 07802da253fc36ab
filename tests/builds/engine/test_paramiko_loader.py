"""paramiko_loader: builds load paramiko only when they use it, without invoke or importlib.metadata up front."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from builds.engine.paramiko_loader import _installed_version

SSH = '''
import importlib, sys
import builds.engine.communicators.ssh.communicator
print("paramiko:", type(sys.modules["paramiko"]).__name__, "invoke:", "invoke" in sys.modules)
print("importlib.metadata:", "importlib.metadata" in sys.modules, hasattr(importlib, "metadata"))
import importlib.metadata
import paramiko
print("version:", paramiko.__version__ == importlib.metadata.version("paramiko"))
config = paramiko.SSHConfig.from_text('Match exec "exit 0"\\n  User matched\\nHost *\\n  Port 2222\\n')
print("lookup:", sorted(config.lookup("example").items()))
print("invoke after Match exec:", "invoke" in sys.modules)
'''

DOCKER = '''
import sys
import builds.engine.docker_client
print("after docker_client:", "cryptography" in sys.modules, "invoke" in sys.modules)
from docker.transport import sshconn
print("adapter's paramiko:", sshconn.paramiko.SSHClient.__module__)
print("paramiko:", type(sys.modules["paramiko"]).__name__, "invoke:", "invoke" in sys.modules)
import builds.engine.communicators.ssh.client as client
print("one module:", client.paramiko is sys.modules["paramiko"])
'''


def run(code: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()


def test_ssh_communicator_imports_paramiko_without_invoke_until_a_match_exec_line_needs_it():
    assert run(SSH) == [
        "paramiko: module invoke: False",
        "importlib.metadata: False False",
        "version: True",
        "lookup: [('hostname', 'example'), ('port', '2222'), ('user', 'matched')]",
        "invoke after Match exec: True",
    ]


def test_docker_client_leaves_paramiko_unloaded_until_the_sdk_uses_it():
    assert run(DOCKER) == [
        "after docker_client: False False",
        "adapter's paramiko: paramiko.client",
        "paramiko: module invoke: False",
        "one module: True",
    ]


def make_distribution(site, version: str | None, name: str = "paramiko") -> None:
    info = site / f"{name}-{version or 'x'}.dist-info"
    info.mkdir()
    header = f"Metadata-Version: 2.4\nName: {name}\n" + (f"Version: {version}\n" if version else "")
    (info / "METADATA").write_text(header + "\nVersion: 9.9.9 in the description\n")


def test_installed_version_is_read_from_the_one_dist_info_beside_the_package(tmp_path):
    (tmp_path / "paramiko").mkdir()
    spec = SimpleNamespace(origin=str(tmp_path / "paramiko" / "__init__.py"))
    assert _installed_version(spec) is None  # none: importlib.metadata answers instead
    make_distribution(tmp_path, "4.0.0")
    make_distribution(tmp_path, "1.0", name="other")
    assert _installed_version(spec) == "4.0.0"
    make_distribution(tmp_path, "3.5.1")
    assert _installed_version(spec) is None  # two installs side by side: not ours to choose


def test_a_version_missing_from_the_header_is_not_taken_from_the_description(tmp_path):
    (tmp_path / "paramiko").mkdir()
    make_distribution(tmp_path, None)
    assert _installed_version(SimpleNamespace(origin=str(tmp_path / "paramiko" / "__init__.py"))) is None

"""paramiko_loader: builds load paramiko only when they use it, and invoke only when ssh_config's Match exec needs it."""

from __future__ import annotations

import subprocess
import sys

SSH = '''
import sys
import builds.engine.communicators.ssh.communicator
print("paramiko:", type(sys.modules["paramiko"]).__name__, "invoke:", "invoke" in sys.modules)
import paramiko
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

"""paramiko_loader: the SSH communicator starts without importing invoke, and ssh_config's Match exec still works."""

from __future__ import annotations

import subprocess
import sys

CHECK = '''
import sys
import builds.engine.communicators.ssh.communicator
assert "paramiko" in sys.modules
print("invoke imported at start:", "invoke" in sys.modules)
import paramiko
config = paramiko.SSHConfig.from_text('Match exec "exit 0"\\n  User matched\\nHost *\\n  Port 2222\\n')
print("lookup:", sorted(config.lookup("example").items()))
print("invoke imported after Match exec:", "invoke" in sys.modules)
'''


def test_ssh_communicator_import_leaves_invoke_until_a_match_exec_line_needs_it():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "invoke imported at start: False",
        "lookup: [('hostname', 'example'), ('port', '2222'), ('user', 'matched')]",
        "invoke imported after Match exec: True",
    ]

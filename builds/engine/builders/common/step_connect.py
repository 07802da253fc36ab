"""StepConnect: connect the communicator the configuration names (ssh, docker or none)."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from typing import Any

from builds.engine.communicators.base import Communicator, CommunicatorError
from builds.engine.gcpause import paused_gc
from builds.engine.state import BuildState
from builds.engine.steps import Action, StepError

SSH_COMMUNICATOR_MODULE = "builds.engine.communicators.ssh.communicator"


class StepConnect:
    """Connects ``state.communicator``; its cleanup disconnects it.

    ``host`` returns the address to reach (the null builder's ``ssh_host``, an
    instance's IP); ``private_key`` returns the temporary private key a builder
    generated, if any.

    Making the step (when a build starts) begins loading the SSH
    communicator's code in the background: paramiko and cryptography take
    tenths of a second to import, which then pass while the builder's earlier
    steps wait on the cloud instead of when the connection is due.
    """

    def __init__(self, settings: dict[str, Any], default: str, host: Callable[[BuildState], str | None],
                 private_key: Callable[[BuildState], str | None] | None = None,
                 factory: Callable[[BuildState], Communicator] | None = None):
        self.settings = settings
        self.kind = settings.get("communicator") or default
        self.host = host
        self.private_key = private_key
        self.factory = factory
        if self.kind == "ssh" and factory is None:
            load_in_background(SSH_COMMUNICATOR_MODULE)

    def run(self, state: BuildState) -> Action:
        communicator = self._make(state)
        if self.kind == "ssh":
            state.ui.say("Using SSH communicator to connect: " + str(state.generated.get("Host", "")))
            state.ui.say("Waiting for SSH to become available...")
        try:
            communicator.connect(state.cancel)
        except CommunicatorError as exc:
            raise StepError(str(exc)) from exc
        if self.kind == "ssh":
            state.ui.say("Connected to SSH!")
        state.communicator = communicator
        return Action.CONTINUE

    def cleanup(self, state: BuildState) -> None:
        if state.communicator is not None:
            state.communicator.disconnect()

    def _make(self, state: BuildState) -> Communicator:
        if self.factory is not None:
            return self.factory(state)
        if self.kind == "none":
            from builds.engine.communicators.none import NoneCommunicator

            return NoneCommunicator()
        if self.kind == "ssh":
            return self._ssh(state)
        raise StepError(f"the {self.kind} communicator cannot be used with this builder")

    def _ssh(self, state: BuildState) -> Communicator:
        import dataclasses

        from builds.engine.communicators.ssh.communicator import SSHCommunicator
        from builds.engine.communicators.ssh.config import SSHConfig

        config = SSHConfig.from_arguments(self.settings)
        host = self.host(state) or config.host
        if not host:
            raise StepError("no host to connect to: the builder did not provide one and ssh_host is not set")
        key = self.private_key(state) if self.private_key else None
        config = dataclasses.replace(config, host=host, private_key=key.encode() if key else config.private_key)
        for secret in config.secrets():
            state.ui.masker.add(secret)
        private_key = config.private_key.decode() if config.private_key else ""
        if not private_key and config.private_key_file:
            try:
                with open(config.private_key_file, encoding="utf-8") as handle:
                    private_key = handle.read()
            except OSError:
                private_key = ""
        state.generated.update({
            "Host": host, "Port": config.port, "User": config.username, "Password": config.password,
            "ConnType": "ssh", "SSHPrivateKey": private_key, "SSHPrivateKeyFile": config.private_key_file,
            "SSHPublicKey": config.public_key.decode() if config.public_key else "",
        })
        return SSHCommunicator(config, say=state.ui.say)


def load_in_background(module: str) -> None:
    """Import ``module`` in a daemon thread unless it is imported already; a failure is left for the import
    made when the module is needed, which reports it."""
    if module in sys.modules:
        return

    def load() -> None:
        try:
            with paused_gc():  # modules, classes and functions: nothing for the cyclic collector to find
                importlib.import_module(module)
        except Exception:  # the foreground import raises it again, where it can be reported
            return

    threading.Thread(target=load, name=f"load {module}", daemon=True).start()

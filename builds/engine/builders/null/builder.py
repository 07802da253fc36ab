"""The ``null`` builder: connects to an existing machine, runs the provisioners, and makes no image."""

from __future__ import annotations

from builds.engine.artifact import Artifact
from builds.engine.builders.common.communicator_settings import communicator_problems
from builds.engine.builders.common.step_connect import StepConnect
from builds.engine.builders.common.step_provision import StepProvision
from builds.engine.plugins import Builder
from builds.engine.state import BuildState
from builds.engine.steps import Step

BUILDER_ID = "fnoeding.null"


class NullBuilder(Builder):
    """Packer's ``null`` builder: the communicator configuration is all there is."""

    type_name = "null"
    builder_id = BUILDER_ID

    def prepare(self) -> list[str]:
        self.communicator = self.raw.get("communicator") or "ssh"
        problems = communicator_problems(self.raw, default="ssh")
        if self.communicator == "ssh":
            from builds.engine.communicators.ssh.config import SSHConfig

            if not self.raw.get("ssh_host"):
                problems.insert(0, "a Host must be specified, please reference your communicator documentation")
            auth = [bool(self.raw.get("ssh_agent_auth")), bool(self.raw.get("ssh_password")),
                    bool(self.raw.get("ssh_private_key_file"))]
            if not any(auth):
                problems.append("one authentication method must be specified, please reference your "
                                "communicator documentation")
            elif sum(auth) > 1:
                problems.append("only one of ssh_agent_auth, ssh_password, and ssh_private_key_file must be "
                                "specified")
            problems.extend(p for p in SSHConfig.from_arguments(self.raw).prepare() if p not in problems)
        return problems

    def new_state(self, base: BuildState) -> BuildState:
        return base

    def steps(self) -> list[Step]:
        return [
            StepConnect(self.raw, default="ssh", host=lambda state: self.raw.get("ssh_host")),
            StepProvision(),
        ]

    def artifact(self, state: BuildState) -> Artifact | None:
        return Artifact(BUILDER_ID, id="Null", description="Did not export anything. This is the null builder")

    def sensitive_values(self) -> list[str]:
        return [v for k in ("ssh_password", "ssh_bastion_password", "winrm_password")
                if isinstance(v := self.raw.get(k), str) and v]

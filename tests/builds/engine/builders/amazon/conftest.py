"""Running amazon-ebs builds against the moto server and the test sshd that accepts its key pairs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from builds.engine.builders.amazon.ebs.builder import AmazonEbsBuilder
from builds.engine.builders.amazon.state import AmazonState
from builds.engine.cancel import CancelToken
from builds.engine.hook import Hook, PreparedProvisioner
from builds.engine.ledger import MemoryLedger
from builds.engine.plugins import PluginContext
from builds.engine.provisioners.shell.provisioner import ShellProvisioner
from builds.engine.state import BuildState
from builds.engine.steps import OnErrorPolicy, Runner
from builds.engine.ui import ERROR, BuildUI, ListSink

SOURCE_AMI = "ami-1e749f67"  # moto's Ubuntu 14.04
BUILD_NAME = "amazon-ebs.test"


@dataclass
class Outcome:
    """How one build went: its builder, final state, output and ledger."""

    builder: AmazonEbsBuilder
    state: AmazonState
    sink: ListSink
    ledger: MemoryLedger
    steps: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state.error is None and not self.state.cancel.cancelled

    @property
    def output(self) -> str:
        return "\n".join(self.sink.texts())

    @property
    def errors(self) -> list[str]:
        return self.sink.texts(ERROR)

    def artifact(self):
        return self.builder.artifact(self.state)


def base_arguments(moto, sshd, **overrides: Any) -> dict[str, Any]:
    """The seed example's source block: ami_name, region, instance_type, source_ami, ssh_username, pointed
    at moto (``custom_endpoint_ec2``) and at the test sshd (``ssh_host``/``ssh_port``)."""
    args = moto.arguments(ami_name="imagehub-test-{{timestamp}}", instance_type="t2.micro", source_ami=SOURCE_AMI,
                          ssh_username=sshd.username, ssh_host=sshd.host, ssh_port=sshd.port, ssh_timeout="20s")
    args.update(overrides)
    return {name: value for name, value in args.items() if value is not None}


def prepared(arguments: dict[str, Any], *, force: bool = False, debug: bool = False) -> AmazonEbsBuilder:
    context = PluginContext(build_name=BUILD_NAME, build_type="amazon-ebs", source_name="test", force=force,
                            debug=debug)
    builder = AmazonEbsBuilder(arguments, context)
    problems = builder.prepare()
    assert problems == [], problems
    return builder


def run_build(builder: AmazonEbsBuilder, *, inline: list[str] | None = None, cancel: CancelToken | None = None,
              build_id: str = "build-1", on_error: str = "cleanup", steps: list[Any] | None = None) -> Outcome:
    """Run ``builder``'s recipe (or ``steps``) with a shell provisioner running ``inline``."""
    sink = ListSink()
    ui = BuildUI(BUILD_NAME, sink)
    for secret in builder.sensitive_values():
        ui.masker.add(secret)
    provisioners = []
    if inline is not None:
        shell = ShellProvisioner({"inline": inline}, builder.context)
        assert shell.prepare() == []
        provisioners.append(PreparedProvisioner("shell", shell))
    ledger = MemoryLedger()
    ledger.claim(build_id)
    base = BuildState(ui=ui, cancel=cancel or CancelToken(), hook=Hook(provisioners), build_name=BUILD_NAME,
                      source_type="amazon-ebs", source_name="test", build_id=build_id, ledger=ledger,
                      debug=builder.context.debug)
    state = builder.new_state(base)
    recipe = steps if steps is not None else builder.steps()
    try:
        Runner(recipe, OnErrorPolicy(on_error)).run(state)
    finally:
        ledger.release(build_id)
    return Outcome(builder, state, sink, ledger, recipe)


@pytest.fixture
def ebs(moto, sshd_with_moto_keys) -> Callable[..., Outcome]:
    """Build with the seed example's arguments (plus any given); ``inline`` commands run over SSH."""

    def build(inline: list[str] | None = None, cancel: CancelToken | None = None, force: bool = False,
              debug: bool = False, **overrides: Any) -> Outcome:
        builder = prepared(base_arguments(moto, sshd_with_moto_keys, **overrides), force=force, debug=debug)
        return run_build(builder, inline=inline, cancel=cancel)

    return build


def new_state(moto, build_id: str = "build-1", cancel: CancelToken | None = None,
              **access_overrides: Any) -> AmazonState:
    """An amazon build state on the moto server, with an in-memory ledger claimed for ``build_id``."""
    from builds.engine.builders.amazon.access import AwsAccess

    ledger = MemoryLedger()
    ledger.claim(build_id)
    base = BuildState(ui=BuildUI(BUILD_NAME, ListSink()), cancel=cancel or CancelToken(), hook=Hook(),
                      build_name=BUILD_NAME, source_type="amazon-ebs", source_name="test", build_id=build_id,
                      ledger=ledger)
    return AmazonState.extend(base, AwsAccess.from_arguments(moto.arguments(**access_overrides)))


def output(state: AmazonState) -> str:
    """Everything a state's build has printed."""
    return "\n".join(state.ui.sink.texts())


@pytest.fixture
def state(moto) -> AmazonState:
    """A fresh amazon build state on the (reset) moto server, the source AMI already found."""
    fresh = new_state(moto)
    fresh.source_image = moto.client("ec2").describe_images(ImageIds=[SOURCE_AMI])["Images"][0]
    return fresh


def run_settings(**arguments: Any):
    """Run settings read from ``arguments`` (an ssh_username is added), checked to have no problems."""
    from builds.engine.builders.amazon.common.run_settings import read_run_settings

    settings, problems = read_run_settings({"ssh_username": "ubuntu", "instance_type": "t2.micro",
                                            "source_ami": SOURCE_AMI, **arguments})
    assert problems == [], problems
    return settings


def tag_map(resource: dict[str, Any]) -> dict[str, str]:
    """An EC2 resource's tags as a dict."""
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}

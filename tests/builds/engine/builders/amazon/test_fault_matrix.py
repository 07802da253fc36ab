"""The amazon-ebs fault matrix: a failure and a cancel at every step of the recipe and in its cleanup, and a
killed build swept up afterwards, each ending with nothing the build created left in the moto server.

Faults are injected with real mechanisms only: a wrapper around the recipe's
own step object that raises after the real step has run (or sets the build's
cancel token as it starts), a cleanup that fails before deleting anything (as
a refused API call would), a provisioner that fails or sleeps over real SSH,
an AMI name that really is taken, a source AMI that really does not exist, a
real ``imagehub build`` process killed with SIGKILL. The AWS API is never
mocked: every resource is created in, and looked for in, the moto server.
What a failed cleanup leaves is removed by the sweeper, from the build's ledger.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from builds.engine.builders.amazon.common.failures import CleanupError
from builds.engine.cancel import CancelToken
from builds.engine.steps import Action, StepError, step_name
from builds.engine.sweep import Sweeper, SweepOptions
from tests.builds.engine.builders.amazon.conftest import (
    Outcome,
    base_arguments,
    prepared,
    run_build,
)

COPY_REGION = "us-west-2"
REGIONS = ["us-east-1", COPY_REGION]
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}
SPOT = {"spot_price": "0.05", "instance_type": None, "spot_instance_types": ["t2.micro"]}
BUILD_TIMEOUT = 240.0  # a build on a loaded two-core machine; the usual figure is seconds


def matrix_arguments(moto, sshd, **overrides: Any) -> dict[str, Any]:
    """The seed example plus one of every temporary resource the recipe can make: a temporary key pair,
    security group and IAM instance profile, a launch volume that outlives the instance, an AMI copied
    to a second region, shared and tagged."""
    return base_arguments(
        moto, sshd,
        temporary_iam_instance_profile_policy_document=POLICY,
        launch_block_device_mappings=[{"device_name": "/dev/sdb", "volume_size": 1,
                                       "delete_on_termination": False}],
        ami_regions=[COPY_REGION], ami_users=["210987654321"], tags={"Role": "fault-matrix"},
        **overrides)


@dataclass(frozen=True)
class Cell:
    """One row of the matrix: a step of the recipe and how it is made to fail.

    ``failure`` is ``"after"`` (a wrapper raises once the real step has run) or the name of a natural
    failure this module knows how to arrange; ``creates`` are the ledger kinds the step itself makes
    with the matrix's arguments; ``arguments`` are added to them for both the failure and the cancel.
    """

    step: str
    failure: str = "after"
    creates: tuple[str, ...] = ()
    arguments: dict[str, Any] = field(default_factory=dict)


# Every step of the amazon-ebs recipe in order (the spot launch replaces the on-demand one).
MATRIX = [
    Cell("StepVerifyCleanup"),
    Cell("StepPreValidate", failure="ami name taken"),
    Cell("StepSourceAMIInfo", failure="no such source ami"),
    Cell("StepNetworkInfo"),
    Cell("StepKeyPair", creates=("key-pair",)),
    Cell("StepSecurityGroup", creates=("security-group",)),
    Cell("StepIamInstanceProfile", creates=("iam-instance-profile", "iam-role")),
    Cell("StepCleanupVolumes"),
    Cell("StepRunSourceInstance", creates=("instance", "volume")),
    Cell("StepRunSpotInstance", creates=("launch-template", "instance", "volume"), arguments=SPOT),
    Cell("StepConnect"),
    Cell("StepSetGeneratedData"),
    Cell("StepProvision", failure="provisioner exits 1"),
    Cell("StepCleanupTempKeys"),
    Cell("StepStopEBSBackedInstance"),
    Cell("StepModifyEBSBackedInstance"),
    Cell("StepDeregisterAMI"),
    Cell("StepCreateAMI", creates=("ami", "snapshot")),
    Cell("StepAMIRegionCopy", creates=("ami", "snapshot")),
    Cell("StepEnableDeprecation"),
    Cell("StepModifyAMIAttributes"),
    Cell("StepCreateTags"),
    Cell("StepEnableDeregistrationProtection"),
]
CELLS = {cell.step: cell for cell in MATRIX}


class Traced:
    """A recipe step run as it is, noting in ``started`` that its ``run`` began."""

    def __init__(self, step: Any, started: list[str]):
        self.step = step
        self.name = step_name(step)
        self.started = started
        self.runs_error_cleanup_provisioner = getattr(step, "runs_error_cleanup_provisioner", False)

    def run(self, state: Any) -> Action:
        self.started.append(self.name)
        return self.step.run(state)

    def cleanup(self, state: Any) -> None:
        self.step.cleanup(state)


class FailsAfter(Traced):
    """The real step, then a failure (so its own cleanup must undo what it just made)."""

    def run(self, state: Any) -> Action:
        action = super().run(state)
        assert action is Action.CONTINUE and state.error is None, f"{self.name} failed on its own: {state.error}"
        raise StepError(f"injected failure after {self.name}")


class CancelledAsItStarts(Traced):
    """The real step, run after the build's cancel token is set: every cancellable wait in it stops at its
    first chance, what it created before that is its cleanup's, and no later step starts."""

    def run(self, state: Any) -> Action:
        state.cancel.cancel("injected cancel")
        return super().run(state)


class CleanupFails(Traced):
    """The real step; its cleanup fails before deleting anything, as a refused API call would."""

    def cleanup(self, state: Any) -> None:
        raise CleanupError(f"injected cleanup failure in {self.name}")


class CancelledInCleanup(Traced):
    """The real step; the build's cancel token is set as its cleanup starts (a Ctrl-C during cleanup)."""

    def cleanup(self, state: Any) -> None:
        state.cancel.cancel("injected cancel")
        super().cleanup(state)


def recipe(builder: Any, started: list[str], target: str, wrapper: type[Traced],
           **others: type[Traced]) -> list[Traced]:
    """``builder``'s recipe with every step traced, the step named ``target`` wrapped by ``wrapper`` and
    those named in ``others`` by theirs."""
    steps = builder.steps()
    names = [step_name(step) for step in steps]
    wrappers = {**others, target: wrapper}
    assert set(wrappers) <= set(names), f"{sorted(wrappers)} are not all in the recipe {names}"
    return [wrappers.get(step_name(step), Traced)(step, started) for step in steps]


def everything_left(moto, regions: list[str] | tuple[str, ...] = REGIONS) -> dict[str, list[str]]:
    """What exists beyond moto's defaults in ``regions`` (and in IAM)."""
    return moto.leftovers(list(regions))


def regions_reached(started: list[str]) -> list[str]:
    """The regions a build can have made something in: the copy region only once the copy step started
    (moto builds a region's default AMIs on first use, so an untouched region is not listed for nothing)."""
    return REGIONS if "StepAMIRegionCopy" in started else REGIONS[:1]


def kinds_before(step: str) -> set[str]:
    """The ledger kinds the recipe has made by the time ``step`` starts."""
    other_launch = "StepRunSourceInstance" if step == "StepRunSpotInstance" else "StepRunSpotInstance"
    made: set[str] = set()
    for cell in MATRIX:
        if cell.step == step:
            return made
        if cell.step != other_launch:  # a recipe launches on demand or on the spot market, not both
            made.update(cell.creates)
    raise AssertionError(f"{step} is not in the matrix")


def assert_nothing_left(outcome: Outcome, moto, started: list[str], before: dict[str, list[str]]) -> None:
    """Nothing the build made exists any more, its ledger is empty and no cleanup failed."""
    assert everything_left(moto, regions_reached(started)) == before, outcome.output
    assert outcome.ledger.entries(outcome.state.build_id) == [], outcome.output
    assert outcome.state.cleanup_failures == [], outcome.output


def test_the_matrix_has_one_row_per_step_of_the_recipe_in_order():
    # preparing a builder reaches neither AWS nor the instance: placeholders do for the endpoint and host
    endpoint = SimpleNamespace(arguments=lambda **args: {"region": "us-east-1", "access_key": "a",
                                                          "secret_key": "s", **args})
    host = SimpleNamespace(username="nobody", host="127.0.0.1", port=22)
    on_demand = [step_name(s) for s in prepared(matrix_arguments(endpoint, host)).steps()]
    spot = [step_name(s) for s in prepared(matrix_arguments(endpoint, host, **SPOT)).steps()]

    assert [cell.step for cell in MATRIX if cell.step != "StepRunSpotInstance"] == on_demand
    assert [cell.step for cell in MATRIX if cell.step != "StepRunSourceInstance"] == spot


def _arrange_natural_failure(cell: Cell, moto, marker: str) -> tuple[dict[str, Any], list[str] | None]:
    """The arguments and provisioner commands that make ``cell``'s step fail for real."""
    if cell.failure == "ami name taken":
        name = f"taken-{uuid.uuid4().hex[:8]}"
        moto.client("ec2").register_image(Name=name, RootDeviceName="/dev/sda1", BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}])
        return {"ami_name": name}, ["true"]
    if cell.failure == "no such source ami":
        return {"source_ami": "ami-00000000000000000"}, ["true"]
    if cell.failure == "provisioner exits 1":
        return {}, [f"touch {marker}", "exit 1"]
    raise AssertionError(f"no way to arrange the failure {cell.failure!r}")


EXPECTED_ERRORS = {
    "ami name taken": "is used by an existing AMI",
    "no such source ami": "Error querying AMI",
    "provisioner exits 1": "Script exited with non-zero exit status: 1",
}


@pytest.mark.parametrize("cell", MATRIX, ids=[cell.step for cell in MATRIX])
def test_a_failure_at_each_step_leaves_nothing_behind(cell: Cell, moto, sshd_with_moto_keys):
    marker = os.path.join(sshd_with_moto_keys.home, f"fault-{uuid.uuid4().hex[:8]}")
    arguments: dict[str, Any] = dict(cell.arguments)
    inline: list[str] | None = ["true"]
    wrapper: type[Traced] = FailsAfter
    if cell.failure != "after":
        natural, inline = _arrange_natural_failure(cell, moto, marker)
        arguments.update(natural)
        wrapper = Traced
    before = everything_left(moto, REGIONS[:1]) if cell.failure == "ami name taken" else {}
    builder = prepared(matrix_arguments(moto, sshd_with_moto_keys, **arguments))
    started: list[str] = []

    try:
        outcome = run_build(builder, inline=inline, steps=recipe(builder, started, cell.step, wrapper))
    finally:
        if os.path.exists(marker):
            os.remove(marker)

    assert started[-1] == cell.step, started
    expected = EXPECTED_ERRORS.get(cell.failure, f"injected failure after {cell.step}")
    assert expected in str(outcome.state.error), outcome.output
    assert not outcome.state.cancel.cancelled
    made = {entry.kind for entry in outcome.ledger.entries(outcome.state.build_id, include_deleted=True)}
    if cell.failure == "after":
        assert kinds_before(cell.step) | set(cell.creates) <= made, outcome.output
    else:
        assert kinds_before(cell.step) <= made, outcome.output
    assert_nothing_left(outcome, moto, started, before)


@pytest.mark.parametrize("cell", MATRIX, ids=[cell.step for cell in MATRIX])
def test_a_cancel_at_each_step_leaves_nothing_behind(cell: Cell, moto, sshd_with_moto_keys):
    builder = prepared(matrix_arguments(moto, sshd_with_moto_keys, **cell.arguments))
    started: list[str] = []
    cancel = CancelToken()
    marker = os.path.join(sshd_with_moto_keys.home, f"cancel-{uuid.uuid4().hex[:8]}")
    if cell.step == "StepProvision":
        # a cancel that arrives while a provisioner's command is running over SSH
        inline = [f"touch {marker}", "sleep 30"]
        steps = recipe(builder, started, cell.step, Traced)
        watcher = threading.Thread(target=_cancel_once_exists, args=(marker, cancel), daemon=True)
        watcher.start()
    else:
        inline = ["true"]
        steps = recipe(builder, started, cell.step, CancelledAsItStarts)
        watcher = None

    try:
        outcome = run_build(builder, inline=inline, cancel=cancel, steps=steps)
    finally:
        cancel.cancel("test over")  # lets the watcher go if the build never got there
        if watcher is not None:
            watcher.join(10)
        if os.path.exists(marker):
            os.remove(marker)

    assert started[-1] == cell.step, started
    assert outcome.state.cancel.cancelled
    if cell.step == "StepProvision":
        assert outcome.state.cancel.reason == "Build cancelled", outcome.output  # the watcher's, mid-command
    made = {entry.kind for entry in outcome.ledger.entries(outcome.state.build_id, include_deleted=True)}
    assert kinds_before(cell.step) <= made, outcome.output
    assert_nothing_left(outcome, moto, started, {})


# The steps whose cleanup deletes what they made (the spot launch with the spot arguments).
CLEANUPS = [CELLS[name] for name in ("StepKeyPair", "StepSecurityGroup", "StepIamInstanceProfile",
                                     "StepCleanupVolumes", "StepRunSourceInstance", "StepRunSpotInstance",
                                     "StepCreateAMI", "StepAMIRegionCopy")]
LAST_STEP = MATRIX[-1].step


@pytest.mark.parametrize("cell", CLEANUPS, ids=[cell.step for cell in CLEANUPS])
def test_a_failed_cleanup_is_reported_by_id_and_the_sweeper_leaves_nothing(cell: Cell, moto, sshd_with_moto_keys):
    # the build fails at its last step, so everything it made is temporary, AMIs included
    builder = prepared(matrix_arguments(moto, sshd_with_moto_keys, **cell.arguments))
    started: list[str] = []

    outcome = run_build(builder, inline=["true"],
                        steps=recipe(builder, started, cell.step, CleanupFails, **{LAST_STEP: FailsAfter}))

    assert f"injected failure after {LAST_STEP}" in str(outcome.state.error)
    failed = {failure.step: failure.error for failure in outcome.state.cleanup_failures}
    assert failed[cell.step] == f"injected cleanup failure in {cell.step}", outcome.output
    survivors = outcome.ledger.entries(outcome.state.build_id)
    assert {entry.kind for entry in survivors} >= set(cell.creates), outcome.output
    assert "These temporary resources still exist after cleanup" in outcome.output
    for entry in survivors:
        assert f"{entry.kind} {entry.id} in {entry.region}" in failed["StepVerifyCleanup"]
    assert everything_left(moto) != {}

    lines: list[str] = []
    result = Sweeper(outcome.ledger, SweepOptions(), lines.append).run()

    assert not result.failed and not result.search_errors, lines
    assert everything_left(moto) == {}, lines
    assert outcome.ledger.entries() == []


# A cancel as the first cleanup starts (every cleanup runs cancelled), as the AMI's cleanup decides between
# keeping and deregistering it, and as the instance's cleanup waits for it to terminate.
CANCELLED_CLEANUPS = [LAST_STEP, "StepCreateAMI", "StepRunSourceInstance"]


@pytest.mark.parametrize("step", CANCELLED_CLEANUPS)
def test_a_cancel_during_cleanup_still_leaves_nothing_behind(step: str, moto, sshd_with_moto_keys):
    builder = prepared(matrix_arguments(moto, sshd_with_moto_keys))
    started: list[str] = []

    outcome = run_build(builder, inline=["true"], steps=recipe(builder, started, step, CancelledInCleanup))

    assert outcome.state.error is None and outcome.state.cancel.cancelled, outcome.output
    assert outcome.state.cleanup_failures == [], outcome.output
    assert outcome.ledger.entries(outcome.state.build_id) == [], outcome.output
    left = everything_left(moto)
    kept = {resource for ids in left.values() for resource in ids} - outcome.state.kept_images
    assert set(left) <= {"images", "snapshots"} and not kept, outcome.output  # at most the AMIs handed over


def _cancel_once_exists(path: str, cancel: CancelToken) -> None:
    deadline = time.monotonic() + BUILD_TIMEOUT
    while not os.path.exists(path) and time.monotonic() < deadline and not cancel.cancelled:
        time.sleep(0.05)
    cancel.cancel()


def _imagehub() -> list[str]:
    script = Path(sys.executable).with_name("imagehub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "builds.engine"]


KILL_TEMPLATE = """\
source "amazon-ebs" "killed" {{
{access}
  ami_name      = "killed-{{{{timestamp}}}}"
  instance_type = "t2.micro"
  source_ami    = "ami-1e749f67"
  ssh_username  = "{user}"
  ssh_host      = "{host}"
  ssh_port      = {port}
  ssh_timeout   = "60s"

  temporary_iam_instance_profile_policy_document {{
    Version = "2012-10-17"
    Statement {{
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["*"]
    }}
  }}

  launch_block_device_mappings {{
    device_name           = "/dev/sdb"
    volume_size           = 1
    delete_on_termination = false
  }}
}}

build {{
  sources = ["source.amazon-ebs.killed"]

  provisioner "shell" {{
    inline = ["touch {marker}", "sleep 30"]
  }}
}}
"""


def test_a_build_killed_mid_flight_is_swept_up_by_imagehub_sweep(moto, sshd_with_moto_keys, tmp_path):
    marker = os.path.join(sshd_with_moto_keys.home, f"killed-{uuid.uuid4().hex[:8]}")
    template = tmp_path / "killed.pkr.hcl"
    template.write_text(KILL_TEMPLATE.format(access=moto.hcl(), user=sshd_with_moto_keys.username,
                                             host=sshd_with_moto_keys.host, port=sshd_with_moto_keys.port,
                                             marker=marker))
    ledger_dir = tmp_path / "ledger"
    env = {**os.environ, **moto.env(), "IMAGEHUB_LEDGER_DIR": str(ledger_dir), "AWS_REGION": moto.region}
    log = tmp_path / "build.log"
    with open(log, "wb") as out:
        build = subprocess.Popen([*_imagehub(), "build", str(template)], cwd=tmp_path, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT
        while not os.path.exists(marker) and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.exists(marker), log.read_text()
        build.send_signal(signal.SIGKILL)
        assert build.wait(30) == -signal.SIGKILL
    finally:
        if build.poll() is None:
            build.kill()
            build.wait(30)
        if os.path.exists(marker):
            os.remove(marker)

    stranded = everything_left(moto, REGIONS[:1])
    assert {"instances", "key-pairs", "security-groups", "iam-instance-profiles", "iam-roles"} <= set(stranded)
    assert list(ledger_dir.glob("*.jsonl")), "the killed build recorded nothing in its ledger"

    sweep = subprocess.run([*_imagehub(), "sweep", f"-region={moto.region}"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=BUILD_TIMEOUT)

    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    assert f"Terminated instance {stranded['instances'][0]}" in sweep.stdout
    assert everything_left(moto, REGIONS[:1]) == {}, sweep.stdout

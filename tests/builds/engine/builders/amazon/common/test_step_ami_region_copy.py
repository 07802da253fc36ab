"""StepAMIRegionCopy: which regions get a copy, and copies that are tracked, handed over or deregistered."""

from __future__ import annotations

from builds.engine.builders.amazon.common.ami_settings import AmiSettings
from builds.engine.builders.amazon.common.step_ami_region_copy import StepAMIRegionCopy


def test_the_build_region_gets_a_copy_only_of_an_intermediary_ami():
    step = StepAMIRegionCopy(AmiSettings(name="n", regions=["us-west-2", "eu-west-1"]))

    assert step.targets("us-east-1", intermediary=False) == ["us-west-2", "eu-west-1"]
    assert step.targets("us-east-1", intermediary=True) == ["us-east-1", "us-west-2", "eu-west-1"]


def test_skip_save_build_region_never_copies_to_the_build_region():
    step = StepAMIRegionCopy(AmiSettings(name="n", regions=["us-west-2"], skip_build_region=True))

    assert step.targets("us-east-1", intermediary=True) == ["us-west-2"]


def test_skip_create_ami_copies_nothing(state):
    StepAMIRegionCopy(AmiSettings(name="n", regions=["us-west-2"]), skip_create_ami=True).run(state)

    assert state.amis == {}

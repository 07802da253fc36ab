"""StepCleanupVolumes: volumes that outlive the terminated instance are deleted; the others are noted gone."""

from __future__ import annotations

from builds.engine.builders.amazon.common.block_devices import BlockDevice
from builds.engine.builders.amazon.common.step_cleanup_volumes import StepCleanupVolumes
from builds.engine.builders.amazon.common.step_run_source_instance import StepRunSourceInstance
from builds.engine.gotemplate import TemplateContext
from tests.builds.engine.builders.amazon.conftest import output, run_settings


def test_a_volume_kept_after_termination_is_deleted_and_the_ledger_is_emptied(state, moto):
    run = StepRunSourceInstance(run_settings(), TemplateContext(),
                                [BlockDevice("/dev/sdb", volume_size=1, delete_on_termination=False)], {})
    volumes = StepCleanupVolumes()
    volumes.run(state)
    run.run(state)
    kept = [m["Ebs"]["VolumeId"] for m in state.instance["BlockDeviceMappings"]
            if not m["Ebs"]["DeleteOnTermination"]]

    run.cleanup(state)
    volumes.cleanup(state)
    volumes.cleanup(state)

    assert f"Destroying volume ({kept[0]})..." in output(state)
    assert "volumes" not in moto.leftovers()
    assert state.ledger.entries("build-1") == []


def test_without_an_instance_there_is_nothing_to_do(state):
    StepCleanupVolumes().cleanup(state)

    assert output(state) == ""

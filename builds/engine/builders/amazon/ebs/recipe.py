"""The ``amazon-ebs`` builder's recipe: its steps in the order they run (cleanup runs in reverse).

Kept apart from the builder so that validating a template loads only the
builder's settings, not the code of every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from builds.engine.builders.amazon.common.ssh import ssh_host
from builds.engine.builders.amazon.common.step_ami_region_copy import StepAMIRegionCopy
from builds.engine.builders.amazon.common.step_cleanup_temp_keys import StepCleanupTempKeys
from builds.engine.builders.amazon.common.step_cleanup_volumes import StepCleanupVolumes
from builds.engine.builders.amazon.common.step_create_tags import StepCreateTags
from builds.engine.builders.amazon.common.step_deregister_ami import StepDeregisterAMI
from builds.engine.builders.amazon.common.step_enable_deprecation import StepEnableDeprecation
from builds.engine.builders.amazon.common.step_enable_deregistration_protection import (
    StepEnableDeregistrationProtection,
)
from builds.engine.builders.amazon.common.step_iam_instance_profile import StepIamInstanceProfile
from builds.engine.builders.amazon.common.step_key_pair import StepKeyPair
from builds.engine.builders.amazon.common.step_modify_ami_attributes import StepModifyAMIAttributes
from builds.engine.builders.amazon.common.step_modify_ebs_backed_instance import (
    StepModifyEBSBackedInstance,
)
from builds.engine.builders.amazon.common.step_network_info import StepNetworkInfo
from builds.engine.builders.amazon.common.step_pre_validate import StepPreValidate
from builds.engine.builders.amazon.common.step_run_source_instance import StepRunSourceInstance
from builds.engine.builders.amazon.common.step_run_spot_instance import StepRunSpotInstance
from builds.engine.builders.amazon.common.step_security_group import StepSecurityGroup
from builds.engine.builders.amazon.common.step_set_generated_data import StepSetGeneratedData
from builds.engine.builders.amazon.common.step_source_ami_info import StepSourceAMIInfo
from builds.engine.builders.amazon.common.step_stop_ebs_backed_instance import (
    StepStopEBSBackedInstance,
)
from builds.engine.builders.amazon.common.step_verify_cleanup import StepVerifyCleanup
from builds.engine.builders.amazon.ebs.step_create_ami import StepCreateAMI
from builds.engine.builders.common.step_connect import StepConnect
from builds.engine.builders.common.step_provision import StepProvision
from builds.engine.steps import Step

if TYPE_CHECKING:
    from builds.engine.builders.amazon.ebs.builder import AmazonEbsBuilder


def recipe(builder: AmazonEbsBuilder) -> list[Step]:
    """Return the steps of one build of ``builder`` (prepared), configured from its settings."""
    s = builder.settings
    run, ami = s.run, s.ami
    if run.is_spot:
        run_instance: Step = StepRunSpotInstance(run, s.template, s.launch_block_devices, s.run_volume_tags,
                                                 s.no_ephemeral)
    else:
        run_instance = StepRunSourceInstance(run, s.template, s.launch_block_devices, s.run_volume_tags,
                                             s.no_ephemeral)
    return [
        StepVerifyCleanup(),
        StepPreValidate(ami, run, s.skip_create_ami),
        StepSourceAMIInfo(run.source_ami, run.source_ami_filter, ami.ena_support is True or ami.sriov_support,
                          ami.virtualization_type, builder.where("source_ami_filter", "source_ami")),
        StepNetworkInfo(run),
        StepKeyPair(run, s.template, builder.context.debug, f"ec2_{builder.context.build_name}.pem"),
        StepSecurityGroup(run, s.template),
        StepIamInstanceProfile(run, s.template),
        StepCleanupVolumes(),
        run_instance,
        StepConnect(builder.raw, default="ssh", host=ssh_host(run.ssh_interface, run.ssh.host),
                    private_key=lambda state: state.private_key or None),
        StepSetGeneratedData(),
        StepProvision(),
        StepCleanupTempKeys(run.ssh.clear_authorized_keys, run.communicator),
        StepStopEBSBackedInstance(skip=run.is_spot, disable_stop_instance=run.disable_stop_instance),
        StepModifyEBSBackedInstance(ami.sriov_support, ami.ena_support, skip=run.is_spot),
        StepDeregisterAMI(ami.name, ami.regions, ami.force_deregister, ami.force_delete_snapshot),
        StepCreateAMI(ami, s.ami_block_devices, run.run_tags, s.template, s.skip_create_ami,
                      s.skip_ami_run_tags),
        StepAMIRegionCopy(ami, s.skip_create_ami),
        StepEnableDeprecation(ami.deprecate_at, s.skip_create_ami),
        StepModifyAMIAttributes(ami, s.template, s.skip_create_ami),
        StepCreateTags(ami.tags, ami.snapshot_tags, s.template, s.skip_create_ami),
        StepEnableDeregistrationProtection(ami.deregistration_protection, ami.deregistration_protection_cooldown,
                                           s.skip_create_ami),
    ]

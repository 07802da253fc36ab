"""The amazon-ebs builder's configuration as typed settings, with Packer's defaults and cross-field checks.

:func:`read_settings` turns the decoded HCL arguments into
:class:`EbsSettings` (access, run, AMI and the builder's own settings) and
lists every problem at once, in Packer's words where Packer has them. What
ImageHub cannot do (Session Manager tunnels, fast launch, Vault credentials,
WinRM) is reported here, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.common.ami_settings import AmiSettings, read_ami_settings
from builds.engine.builders.amazon.common.arguments import Arguments
from builds.engine.builders.amazon.common.block_devices import BlockDevice, read_block_devices
from builds.engine.builders.amazon.common.run_settings import RunSettings, read_run_settings
from builds.engine.gotemplate import TemplateContext
from builds.engine.plugins import PluginContext
from builds.engine.post_processors.common import template_context


@dataclass
class EbsSettings:
    """Everything the amazon-ebs steps read."""

    access: AwsAccess
    run: RunSettings
    ami: AmiSettings
    template: TemplateContext  # what template strings (tags, descriptions) are rendered with
    launch_block_devices: list[BlockDevice] = field(default_factory=list)
    ami_block_devices: list[BlockDevice] = field(default_factory=list)
    run_volume_tags: dict[str, str] = field(default_factory=dict)
    skip_create_ami: bool = False
    skip_ami_run_tags: bool = False
    no_ephemeral: bool = False


def read_settings(raw: dict[str, Any], context: PluginContext) -> tuple[EbsSettings, list[str]]:
    """Return the settings of the decoded arguments ``raw`` and every problem found (empty when valid)."""
    args = Arguments(raw)
    access = AwsAccess.from_arguments(raw)
    template = template_context(context)
    problems = list(access.prepare())
    volume_tags, volume_tag_problems = args.tags("run_volume_tags", "run_volume_tag", key="name")
    problems += volume_tag_problems
    ami, ami_problems = read_ami_settings(raw, access.resolved_region(), template, force=context.force)
    problems += ami_problems
    launch_devices, launch_problems = read_block_devices(args.blocks("launch_block_device_mappings"))
    ami_devices, ami_device_problems = read_block_devices(args.blocks("ami_block_device_mappings"))
    problems += ami_device_problems + launch_problems
    run, run_problems = read_run_settings(raw)
    problems += run_problems
    settings = EbsSettings(
        access=access, run=run, ami=ami, template=template,
        launch_block_devices=launch_devices, ami_block_devices=ami_devices, run_volume_tags=volume_tags,
        skip_create_ami=args.flag("skip_create_ami"), skip_ami_run_tags=args.flag("skip_ami_run_tags"),
        no_ephemeral=args.flag("no_ephemeral"),
    )
    fast_launch = args.block("fast_launch")
    if fast_launch is not None and fast_launch.flag("enable_fast_launch"):
        problems.append("fast_launch is not supported by ImageHub: it prepares Windows AMIs, and ImageHub "
                        "builds Linux AMIs only")
    if run.is_spot and (ami.ena_support is True or ami.sriov_support):
        problems.append("Spot instances do not support modification, which is required when either "
                        "`ena_support` or `sriov_support` are set. Please ensure you use an AMI that already "
                        "has either SR-IOV or ENA enabled.")
    return settings, _unique(problems)


def _unique(problems: list[str]) -> list[str]:
    seen: set[str] = set()
    return [p for p in problems if not (p in seen or seen.add(p))]

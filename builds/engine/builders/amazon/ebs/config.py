"""The HCL arguments of the ``amazon-ebs`` builder (github.com/hashicorp/amazon v1.8.2).

The builder's own arguments plus the shared access, AMI and run (with
communicator) groups from :mod:`builds.engine.builders.amazon.schema`, whose
docstring lists the cross-field rules prepare checks. Rules specific to this
builder:

* ``ena_support`` and ``sriov_support`` cannot be used with a spot instance.
* every ``fast_launch.region_launch_templates`` region must be the build
  region or one of ``ami_regions``; a template takes an ID or a name, not both.
* ``fast_launch.max_parallel_launches`` is at least 6 and
  ``target_resource_count`` at least 1.
"""

from __future__ import annotations

from builds.engine.builders.amazon.schema import (
    ACCESS_SCHEMA,
    AMI_SCHEMA,
    BLOCK_DEVICE_SCHEMA,
    NAME_VALUE_SCHEMA,
    RUN_SCHEMA,
)
from builds.engine.schema import Attribute, Block, Schema, attrs

# One ``fast_launch { region_launch_templates { } }`` entry: the launch template for a region.
FAST_LAUNCH_TEMPLATE_SCHEMA = Schema(
    attrs(
        enable_fast_launch="bool",
        region=Attribute("string", required=True),
        template_id="string",
        template_name="string",
        template_version="number",
    )
)

# ``fast_launch { }``: pre-provisioned snapshots for Windows AMIs.
FAST_LAUNCH_SCHEMA = Schema(
    attrs(
        enable_fast_launch="bool",
        template_id="string",
        template_name="string",
        template_version="number",
        max_parallel_launches="number",
        target_resource_count="number",
    ),
    {"region_launch_templates": Block(FAST_LAUNCH_TEMPLATE_SCHEMA, repeated=True)},
)

EBS_SCHEMA = Schema(
    attrs(
        skip_create_ami="bool",
        skip_ami_run_tags="bool",
        run_volume_tags="map(string)",
        no_ephemeral="bool",
    ),
    {
        "ami_block_device_mappings": Block(BLOCK_DEVICE_SCHEMA, repeated=True),
        "launch_block_device_mappings": Block(BLOCK_DEVICE_SCHEMA, repeated=True),
        "run_volume_tag": Block(NAME_VALUE_SCHEMA, repeated=True),
        "fast_launch": Block(FAST_LAUNCH_SCHEMA),
    },
)

SCHEMA = ACCESS_SCHEMA.merged(AMI_SCHEMA, RUN_SCHEMA, EBS_SCHEMA)

"""The HCL arguments of the ``amazon-ami`` data source (github.com/hashicorp/amazon v1.8.2).

The AWS access arguments plus the AMI filter. Configure always fails without
``owners`` ("For security reasons, you must declare an owner"), so it is
required here although it is optional inside a builder's ``source_ami_filter``.
"""

from __future__ import annotations

from builds.engine.builders.amazon.schema import ACCESS_SCHEMA, AMI_FILTER_SCHEMA
from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = ACCESS_SCHEMA.merged(
    AMI_FILTER_SCHEMA,
    Schema(attrs(owners=Attribute("list(string)", required=True))),
)

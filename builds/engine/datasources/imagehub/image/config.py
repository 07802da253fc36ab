"""The HCL arguments of the ``imagehub-image`` data source (ImageHub's own, like HCP Packer's
``hcp-packer-artifact``): the template (its name or slug), the channel and the region."""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(attrs(
    template=Attribute("string", required=True, description="the catalog template, by name or slug"),
    channel=Attribute("string", required=True, description='the channel, e.g. "production"'),
    region=Attribute("string", description="the region of the image (AMIs); may be left out when the channel's "
                                            "build made one image"),
))

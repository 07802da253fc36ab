"""The HCL arguments of the ``artifice`` post-processor (Packer core v1.16.0).

Packer's config struct also has ``keep_input_artifact``, but in HCL templates
the language layer takes that argument for every post-processor before the
plugin sees the body, so it is not declared here.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(attrs(files=Attribute("list(string)", required=True)))

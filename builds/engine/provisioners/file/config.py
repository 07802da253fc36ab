"""The HCL arguments of the ``file`` provisioner (Packer core v1.16.0).

Cross-field rules (checked by prepare, not by the schema): ``source``/``sources``
exclude ``content``; ``direction`` is ``upload`` (the default) or ``download``;
uploaded sources must exist unless ``generated = true``.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        source="string",
        sources="list(string)",
        content="string",
        destination=Attribute("string", required=True),
        direction="string",
        generated="bool",
    )
)

"""The HCL arguments of the ``file`` builder (Packer core v1.16.0).

Cross-field rules (checked by prepare): ``source`` and ``content`` exclude each
other; with neither, the target is created empty (a warning).
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        source="string",
        content="string",
        target=Attribute("string", required=True),
    )
)

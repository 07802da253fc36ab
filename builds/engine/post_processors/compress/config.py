"""The HCL arguments of the ``compress`` post-processor (Packer core v1.16.0).

The archive and compression formats follow the extension of ``output``; Packer
still decodes ``archive`` and ``algorithm`` from a template but overwrites them
from that extension, so setting them only warns here.
"""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

SCHEMA = Schema(
    attrs(
        output="string",
        format="string",
        compression_level="number",
        archive=Attribute(
            "string", deprecated="archive is ignored: the extension of output sets it"
        ),
        algorithm=Attribute(
            "string", deprecated="algorithm is ignored: the extension of output sets it"
        ),
    )
)

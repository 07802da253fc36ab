"""The HCL arguments of the ``checksum`` post-processor (Packer core v1.16.0).

Rule checked by prepare: each ``checksum_types`` entry is one of ``md5``,
``sha1``, ``sha224``, ``sha256``, ``sha384``, ``sha512``.
"""

from __future__ import annotations

from builds.engine.schema import Schema, attrs

SCHEMA = Schema(attrs(checksum_types="list(string)", output="string"))

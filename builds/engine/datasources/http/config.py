"""The HCL arguments of Packer's own ``http`` data source."""

from __future__ import annotations

from builds.engine.schema import Attribute, Schema, attrs

# Packer checks `url` itself (prepare), rather than as a required argument of the block.
SCHEMA = Schema(attrs(
    url=Attribute("string", description="the URL to request; it must answer with a 2xx status"),
    method=Attribute("string", description="HEAD, GET (the default), POST, PUT, DELETE, OPTIONS or PATCH"),
    request_headers=Attribute("map(string)", description="headers to send with the request"),
    request_body=Attribute("string", description="the request's body (none by default)"),
))

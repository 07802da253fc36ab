"""Packer's own ``null`` data source: it looks nothing up, and returns its ``input`` as ``output``.

Packer ships it to show how data sources work and to test them; templates use it to name a value once
and refer to it as data.
"""

from __future__ import annotations

from typing import Any

from builds.engine.cancel import CancelToken
from builds.engine.plugins import DataSource


class NullDataSource(DataSource):
    type_name = "null"

    def prepare(self) -> list[str]:
        self.input = self.raw.get("input") or ""
        return [] if self.input else ["The `input` must be specified"]

    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        cancel.raise_if_cancelled()
        return {"output": self.input}

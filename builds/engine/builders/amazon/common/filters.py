"""EC2 filters from Packer's ``filters = { name = "value" }`` maps, and choosing among filtered images."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import datetime
from typing import Any


def ec2_filters(filters: Mapping[str, str]) -> list[dict[str, Any]]:
    """EC2 ``Filters``; a value holds one or more comma-separated values, read as one CSV record (so
    ``"a, b"`` is two values and ``'"a,b"'`` one), as the plugin reads them."""
    out = []
    for name, value in filters.items():
        values = next(csv.reader([value], skipinitialspace=True), [""])
        out.append({"Name": name, "Values": values or [""]})
    return out


def creation_time(image: Mapping[str, Any]) -> float:
    """An image's ``CreationDate`` as a timestamp (0 when absent or malformed)."""
    text = str(image.get("CreationDate") or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def most_recent(images: list[dict[str, Any]]) -> dict[str, Any]:
    """The newest of ``images`` (the last one wins a tie, as with the plugin's stable sort)."""
    return sorted(images, key=creation_time)[-1]

"""The AWS regions botocore knows EC2 in, read from its endpoint data, and the check of a template's regions.

Importing this module loads no SDK code beyond botocore's package (see ``models.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from builds.engine.builders.amazon import models


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows EC2 in, across all partitions (aws, aws-cn, aws-us-gov, ...).

    Read from the endpoint data botocore ships (a region of a partition with an EC2 endpoint there), as
    ``Session.get_available_regions`` answers, without importing the SDK's loaders or reading the EC2
    service model as it does; the trimmed copy of that data (``models.py``) is read, or botocore's file when
    the copy cannot be had.
    """
    regions: set[str] = set()
    for partition in _endpoint_data().get("partitions", []):
        endpoints = partition.get("services", {}).get("ec2", {}).get("endpoints", {})
        regions.update(name for name in endpoints if name in partition.get("regions", {}))
    return frozenset(regions)


def _endpoint_data() -> dict[str, Any]:
    try:
        return models.endpoint_data()
    except Exception:  # whatever keeps the copy from being had, botocore's own file serves
        return json.loads(models.builtin_endpoints_file().read_text(encoding="utf-8"))


def unknown_regions(regions: Iterable[str]) -> list[str]:
    """Return those of ``regions`` that are not known AWS regions (for ``ami_regions`` checks)."""
    known = known_regions()
    return [region for region in regions if region and region not in known]

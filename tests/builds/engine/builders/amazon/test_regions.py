"""The region check: regions botocore knows EC2 in, across partitions, are known; others are reported."""

from __future__ import annotations

from builds.engine.builders.amazon.regions import unknown_regions


def test_unknown_regions_are_those_botocore_does_not_know():
    assert unknown_regions(["us-east-1", "cn-north-1", "us-gov-west-1", "mars-1"]) == ["mars-1"]

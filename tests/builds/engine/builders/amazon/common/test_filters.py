"""EC2 filters from Packer's filter maps, and picking the newest image."""

from __future__ import annotations

from builds.engine.builders.amazon.common.filters import ec2_filters, most_recent


def test_comma_separated_values_become_several_values_unless_quoted():
    assert ec2_filters({"name": "a, b", "tag:Name": '"x,y"', "state": "available"}) == [
        {"Name": "name", "Values": ["a", "b"]}, {"Name": "tag:Name", "Values": ["x,y"]},
        {"Name": "state", "Values": ["available"]}]


def test_most_recent_picks_the_latest_creation_date():
    images = [{"ImageId": "a", "CreationDate": "2020-01-02T00:00:00.000Z"},
              {"ImageId": "b", "CreationDate": "2021-06-01T00:00:00.000Z"},
              {"ImageId": "c", "CreationDate": "2019-01-01T00:00:00.000Z"}]

    assert most_recent(images)["ImageId"] == "b"

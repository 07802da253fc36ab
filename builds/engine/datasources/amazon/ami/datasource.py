"""The ``amazon-ami`` data source: the one AMI matching filters and owners, as packer-plugin-amazon finds it."""

from __future__ import annotations

from typing import Any

from builds.engine.builders.amazon.access import AwsAccess
from builds.engine.builders.amazon.common.filters import ec2_filters, most_recent
from builds.engine.builders.amazon.errors import AwsError, BotoCoreError, ClientError
from builds.engine.cancel import CancelToken
from builds.engine.plugins import DataSource


class AmazonAmiDataSource(DataSource):
    """Finds an AMI with ``DescribeImages`` (``filters``, ``owners``, ``include_deprecated``), the newest
    one with ``most_recent``; its output is ``id``, ``name``, ``creation_date``, ``owner``,
    ``owner_name`` and ``tags``."""

    type_name = "amazon-ami"

    def prepare(self) -> list[str]:
        self.access = AwsAccess.from_arguments(self.raw)
        self.filters: dict[str, str] = {str(k): str(v) for k, v in (self.raw.get("filters") or {}).items()}
        self.owners: list[str] = [str(owner) for owner in self.raw.get("owners") or []]
        self.most_recent = self.raw.get("most_recent") is True
        self.include_deprecated = self.raw.get("include_deprecated") is True
        problems = self.access.prepare()
        if not self.owners and not self.filters:
            problems.append("The `filters` must be specified")
        if not self.owners:
            problems.append("For security reasons, you must declare an owner.")
        return problems

    def request(self) -> dict[str, Any]:
        """The ``DescribeImages`` arguments."""
        params: dict[str, Any] = {"IncludeDeprecated": self.include_deprecated}
        if self.filters:
            params["Filters"] = ec2_filters(self.filters)
        if self.owners:
            params["Owners"] = list(self.owners)
        return params

    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        """Return the AMI's description; raises :class:`AwsError` when the query fails, finds nothing,
        or finds several images without ``most_recent``."""
        cancel.raise_if_cancelled()
        params = self.request()
        try:
            images = self.access.ec2().describe_images(**params)["Images"]
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"Error querying AMI: {self.access.describe_error(exc)}") from exc
        if not images:
            raise AwsError(f"No AMI was found matching filters: {describe_query(params)}")
        if len(images) > 1 and not self.most_recent:
            raise AwsError("Your query returned more than one result. Please try a more specific search, "
                           "or set most_recent to true.")
        image = most_recent(images) if self.most_recent else images[0]
        return {
            "id": image.get("ImageId", ""),
            "name": image.get("Name", ""),
            "creation_date": image.get("CreationDate", ""),
            "owner": image.get("OwnerId", ""),
            "owner_name": image.get("ImageOwnerAlias", ""),
            "tags": {tag["Key"]: tag.get("Value", "") for tag in image.get("Tags") or []},
        }


def describe_query(params: dict[str, Any]) -> str:
    """A ``DescribeImages`` query in words: ``owners amazon; name = amzn*``."""
    parts = []
    if params.get("Owners"):
        parts.append(f"owners {', '.join(params['Owners'])}")
    for item in params.get("Filters", []):
        parts.append(f"{item['Name']} = {', '.join(item['Values'])}")
    if params.get("IncludeDeprecated"):
        parts.append("deprecated images included")
    return "; ".join(parts)

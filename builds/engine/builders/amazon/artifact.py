"""The amazon builders' artifact: the AMI made in each region, and the source AMI it was made from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.builders.amazon.access import AwsAccess


def lineage(source_image: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard needs to draw an AMI's lineage: the source AMI's id, name, owner, date and tags."""
    return {
        "id": source_image.get("ImageId", ""),
        "name": source_image.get("Name", ""),
        "owner": source_image.get("OwnerId", ""),
        "owner_name": source_image.get("ImageOwnerAlias", ""),
        "creation_date": source_image.get("CreationDate", ""),
        "tags": {tag["Key"]: tag.get("Value", "") for tag in source_image.get("Tags", []) or []},
    }


@dataclass
class AmiArtifact(Artifact):
    """AMIs by region. ``id`` is Packer's ``us-east-1:ami-1,us-west-2:ami-2`` (regions sorted); ``state``
    holds ``amis``, ``snapshots``, ``source_ami`` (see :func:`lineage`) and ``generated_data``.

    Destroying it deregisters every AMI and deletes its snapshots, as Packer does.
    """

    access: AwsAccess | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, builder_id: str, amis: dict[str, str], snapshots: dict[str, list[str]],
           source_image: dict[str, Any], generated: dict[str, Any], access: AwsAccess | None) -> AmiArtifact:
        """The artifact of a build that made ``amis`` from ``source_image``."""
        ids = ",".join(f"{region}:{image}" for region, image in sorted(amis.items()))
        state = {"amis": dict(amis), "snapshots": {r: list(s) for r, s in snapshots.items()},
                 "source_ami": lineage(source_image), "generated_data": dict(generated)}
        return cls(builder_id, id=ids, state=state, access=access)

    @property
    def amis(self) -> dict[str, str]:
        return dict(self.state.get("amis", {}))

    def string(self) -> str:
        lines = "\n".join(f"{region}: {image}" for region, image in sorted(self.amis.items()))
        return f"AMIs were created:\n{lines}\n"

    def destroy(self) -> None:
        """Deregister the AMIs and delete their snapshots; raises RuntimeError naming those that failed."""
        from builds.engine.builders.amazon.common.images import deregister_image
        from builds.engine.builders.amazon.common.resources import AWS_ERRORS

        if self.access is None:
            raise RuntimeError("AmiArtifact.destroy needs the AwsAccess of the account holding the AMIs")
        problems = []
        for region, image_id in sorted(self.amis.items()):
            try:
                existed, _deleted = deregister_image(self.access.ec2(region), image_id)
            except AWS_ERRORS as exc:
                problems.append(f"{image_id} in {region}: {self.access.describe_error(exc)}")
                continue
            if not existed:
                problems.append(f"Error retrieving details for AMI ({image_id}), no images found")
        if problems:
            raise RuntimeError("Error deregistering AMI(s): " + "; ".join(problems))

"""Tags on EC2 resources: Packer's tag maps rendered with the build's template data, and tag specifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builds.engine.gotemplate import TemplateContext, TemplateError, render

# The amazon plugin's clean_resource_name keeps case and these characters (an AMI name's alphabet).
AMI_NAME_CHARACTERS = frozenset("()[] ./-'@_")


def clean_ami_name(text: str) -> str:
    """Replace every character an AMI name may not hold with ``-`` (the plugin's ``clean_resource_name``)."""
    return "".join(c if (c.isascii() and c.isalnum()) or c in AMI_NAME_CHARACTERS else "-" for c in str(text))


# Functions the amazon plugin's templates have on top of Packer's.
TEMPLATE_FUNCTIONS = {"clean_resource_name": clean_ami_name, "clean_ami_name": clean_ami_name}


def build_info(region: str, source_image: Mapping[str, Any]) -> dict[str, Any]:
    """The template data of tags and descriptions (Packer's ``BuildInfoTemplate``)."""
    if not source_image:
        return {"BuildRegion": region}
    return {
        "BuildRegion": region,
        "SourceAMI": source_image.get("ImageId", ""),
        "SourceAMICreationDate": source_image.get("CreationDate", ""),
        "SourceAMIName": source_image.get("Name", ""),
        "SourceAMIOwner": source_image.get("OwnerId", ""),
        "SourceAMIOwnerName": source_image.get("ImageOwnerAlias", ""),
        "SourceAMITags": {tag["Key"]: tag.get("Value", "") for tag in source_image.get("Tags", []) or []},
    }


def render_text(text: str, data: Mapping[str, Any], context: TemplateContext | None) -> str:
    """Interpolate one template string with the amazon functions; raises TemplateError."""
    return render(text, data, context, extra_funcs=TEMPLATE_FUNCTIONS)


def render_tags(tags: Mapping[str, str], data: Mapping[str, Any],
                context: TemplateContext | None) -> list[dict[str, str]]:
    """EC2 tags (``[{"Key": ..., "Value": ...}]``) from a tag map, keys and values interpolated.

    Raises ValueError naming the tag when one does not render, in Packer's words.
    """
    out = []
    for key, value in tags.items():
        try:
            out.append({"Key": render_text(key, data, context), "Value": render_text(value, data, context)})
        except TemplateError as exc:
            raise ValueError(f"Error processing tag: {key}:{value} - {exc}") from exc
    return out


def specifications(tags: list[dict[str, str]], *resource_types: str) -> list[dict[str, Any]]:
    """``TagSpecifications`` putting ``tags`` on each of ``resource_types`` (none when there are no tags)."""
    if not tags:
        return []
    return [{"ResourceType": kind, "Tags": list(tags)} for kind in resource_types]


def report(ui: Any, tags: list[dict[str, str]]) -> None:
    """Say each tag being added, as Packer does."""
    for tag in tags:
        ui.message(f'Adding tag: "{tag["Key"]}": "{tag["Value"]}"')

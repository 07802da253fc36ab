"""The dashboard's answers to the engine's image registry (builds.engine.imageregistry), from the database.

- `answer(build, op, args)`: what the worker sends back to a build's child
  process ("channel_image", "check_source"); a channel image given to
  `build` is recorded as an `ImageUse`, the explicit lineage link.
- `DatabaseRegistry`: the registry `imagehub build --record` installs in its
  own process; `attach(build)` records the channel images it gave once the
  build's record exists.
- `channel_image_data(image, channel)`: a channel's image as the data source
  and the JSON API give it.
Refusals raise `builds.channels.ImageRefused`, a `RegistryRefusal` of the engine's.
"""

from typing import Any

from builds import channels
from builds.channel_models import Channel, ImageUse
from builds.channels import ImageRefused
from builds.engine.imageregistry import ImageRegistry
from builds.lineage_models import ImageNode
from builds.models import Build


def channel_image_data(image: ImageNode, channel: Channel) -> dict[str, Any]:
    """`{"id", "region", "template", "channel", "build_id", "version", "source", "name", "created_at"}`."""
    version = image.build.template_version.number if image.build_id else 0
    return {"id": image.image_id, "region": image.region, "template": channel.template.name,
            "channel": channel.name, "build_id": image.build_id or 0, "version": version, "source": image.source,
            "name": image.name, "created_at": image.created_at.isoformat()}


def answer(build: Build | None, op: str, args: dict[str, Any]) -> dict[str, Any]:
    """The answer to registry question `op` asked by `build`'s engine; raises ImageRefused."""
    if op == "channel_image":
        image, channel = channels.channel_image(str(args.get("template", "")), str(args.get("channel", "")),
                                                str(args.get("region", "")))
        if build is not None:
            ImageUse.objects.get_or_create(build=build, image=image, defaults={"channel": channel})
        return channel_image_data(_with_build(image), channel)
    if op == "check_source":
        channels.check_source_image(str(args.get("image_id", "")), str(args.get("region", "")))
        return {}
    raise ImageRefused(f'ImageHub does not answer "{op}" questions.')


def _with_build(image: ImageNode) -> ImageNode:
    return ImageNode.objects.select_related("build__template_version").get(pk=image.pk)


class DatabaseRegistry(ImageRegistry):
    """The registry read straight from the database, keeping the channel images it gave for `attach`."""

    def __init__(self):
        self.given: list[tuple[ImageNode, Channel]] = []

    def channel_image(self, template: str, channel: str, region: str) -> dict[str, Any]:
        image, found = channels.channel_image(template, channel, region)
        self.given.append((image, found))
        return channel_image_data(_with_build(image), found)

    def check_source(self, image_id: str, region: str) -> None:
        channels.check_source_image(image_id, region)

    def attach(self, build: Build) -> None:
        """Record the channel images given so far as taken by `build`."""
        for image, channel in self.given:
            ImageUse.objects.get_or_create(build=build, image=image, defaults={"channel": channel})

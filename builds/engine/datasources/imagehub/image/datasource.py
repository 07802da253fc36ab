"""The ``imagehub-image`` data source: asks the ImageHub registry for a channel's image, refusing revoked ones."""

from __future__ import annotations

from typing import Any

from builds.engine import imageregistry
from builds.engine.cancel import CancelToken
from builds.engine.plugins import DataSource, Problem


class ImagehubImageDataSource(DataSource):
    """The image channel ``channel`` of ``template`` points at in ``region``. Its output: ``id`` (the AMI or
    Docker image id), ``region``, ``template``, ``channel``, ``build_id`` (the ImageHub build that made it),
    ``version`` (that build's template version number), ``source`` (its build source, ``amazon-ebs.web``),
    ``name`` and ``created_at``.

    The registry (:mod:`builds.engine.imageregistry`) refuses an unknown template or channel, a region
    without an image, and a revoked image, each with a message saying why; the build then stops before
    anything is made."""

    type_name = "imagehub-image"

    def prepare(self) -> list[str]:
        self.template = str(self.raw.get("template") or "").strip()
        self.channel = str(self.raw.get("channel") or "").strip()
        self.region = str(self.raw.get("region") or "").strip()
        problems: list[str] = []
        if not self.template:
            problems.append(Problem("template must name a template of the ImageHub catalog", "template"))
        if not self.channel:
            problems.append(Problem('channel must name one of the template\'s channels, e.g. "production"',
                                    "channel"))
        return problems

    def execute(self, cancel: CancelToken) -> dict[str, Any]:
        """Return the channel's image; raises :class:`~builds.engine.imageregistry.RegistryRefusal`."""
        cancel.raise_if_cancelled()
        image = imageregistry.current().channel_image(self.template, self.channel, self.region)
        return {
            "id": str(image.get("id", "")),
            "region": str(image.get("region", "")),
            "template": str(image.get("template", self.template)),
            "channel": str(image.get("channel", self.channel)),
            "build_id": int(image.get("build_id") or 0),
            "version": int(image.get("version") or 0),
            "source": str(image.get("source", "")),
            "name": str(image.get("name", "")),
            "created_at": str(image.get("created_at", "")),
        }

"""Artifacts: what a builder or post-processor produced (an image, files, a box) and how to describe it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Artifact:
    """The result of a build step that later steps and the summary use.

    ``builder_id`` names the plugin that made it (Packer's ids, e.g.
    ``mitchellh.amazonebs``, ``packer.post-processor.compress``), so
    post-processors can check what they are given; ``id`` is the image id
    (``us-east-1:ami-123,...`` for AMIs) or ``""``; ``files`` are local files it
    consists of; ``state`` carries anything else (``generated_data``, the source
    image id for lineage, per-region ids).
    """

    builder_id: str
    id: str = ""
    files: list[str] = field(default_factory=list)
    description: str = ""
    state: dict[str, Any] = field(default_factory=dict)

    def string(self) -> str:
        """The human description printed in the build summary."""
        if self.description:
            return self.description
        if self.files:
            return "Stored file(s): " + ", ".join(self.files)
        return self.id or "(no artifact)"

    def destroy(self) -> None:
        """Remove what the artifact consists of when it is not kept (files; cloud images are left alone)."""
        import os

        for path in self.files:
            try:
                os.remove(path)
            except FileNotFoundError:
                continue

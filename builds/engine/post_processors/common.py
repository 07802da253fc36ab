"""What the core post-processors share: Packer's build name, template data, and file-list artifacts."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.gotemplate import TemplateContext
from builds.engine.plugins import PluginContext
from builds.engine.provisioners.scripting import packer_build_name

__all__ = ["FilesArtifact", "generated_data", "os_error_text", "packer_build_name", "template_context",
           "template_problem"]


def generated_data(artifact: Artifact) -> dict[str, Any]:
    """Return a copy of the builder's generated data carried by ``artifact`` (empty when it has none)."""
    data = artifact.state.get("generated_data")
    return dict(data) if isinstance(data, dict) else {}


def template_context(context: PluginContext, generated: dict[str, Any] | None = None) -> TemplateContext:
    """Return what Packer's template functions see when a post-processor renders one of its strings."""
    from builds.engine.registry import PACKER_CORE_VERSION

    return TemplateContext(build_name=packer_build_name(context), build_type=context.build_type,
                           template_dir=context.template_dir, user_variables=context.user_variables,
                           packer_version=PACKER_CORE_VERSION, generated=generated or {})


@dataclass
class FilesArtifact(Artifact):
    """An artifact made of local files, described by a fixed text, whose files (or trees) are removed
    when it is destroyed, as Packer's checksum, compress and artifice artifacts are."""

    def string(self) -> str:
        return self.description

    def destroy(self) -> None:
        """Remove every file or directory tree of the artifact; raises OSError when one cannot be removed."""
        for path in self.files:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    continue


def os_error_text(exc: OSError, operation: str = "", path: str = "") -> str:
    """Return an OS error as Go words it: ``open out/a.json: no such file or directory``."""
    reason = exc.strerror or str(exc)
    reason = reason[:1].lower() + reason[1:]
    target = path or exc.filename or ""
    prefix = " ".join(part for part in (operation, str(target)) if part)
    return f"{prefix}: {reason}" if prefix else reason


def template_problem(text: str, context: PluginContext) -> str | None:
    """Return why ``text`` is not a usable Go template (its syntax, an unknown function), or None.

    Values known only at run time (``build`` data) are stood in for, so
    checking has no side effects and needs no build.
    """
    from builds.engine.gotemplate import TemplateError, render

    try:
        render(text, {}, template_context(context), extra_funcs={"build": lambda name: f"<build {name}>"})
    except TemplateError as exc:
        return str(exc)
    return None

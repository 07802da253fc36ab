"""The ``checksum`` post-processor: appends ``<hex digest>\\t<file name>`` lines for each file of the artifact.

As in Packer, each checksum type has its own output file (the ``output``
template, rendered with ``.BuildName``, ``.BuilderType``, ``.ChecksumType``
and the build's generated data); lines are appended, so a file that already
exists grows; the new artifact lists the input's files followed by the
checksum files this run created. Every file is read once, whatever the number
of checksum types.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PluginContext, PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import (
    FilesArtifact,
    generated_data,
    os_error_text,
    packer_build_name,
    template_context,
    template_problem,
)
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.checksum"
CHECKSUM_TYPES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
DEFAULT_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum"
CHUNK_BYTES = 1 << 20


class ChecksumPostProcessor(PostProcessor):
    """Writes checksum files for the artifact's files; keeps its input, whatever the user says."""

    type_name = "checksum"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems = self._configure()

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def _configure(self) -> list[str]:
        problems = []
        types = self.raw.get("checksum_types")
        self.checksum_types: list[str] = ["md5"] if types is None else list(types)
        for name in self.checksum_types:
            if name not in CHECKSUM_TYPES:
                problems.append(f"Unrecognized checksum type: {name}")
        self.output = self.raw.get("output") or DEFAULT_OUTPUT
        problem = template_problem(self.output, self.context)
        if problem:
            problems.append(f"Error parsing target template: {problem}")
        return problems

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        files = list(artifact.files)
        digests = {path: _digests(path, self.checksum_types, cancel) for path in files}
        generated = generated_data(artifact)
        data: dict[str, Any] = dict(generated)
        data["BuildName"] = packer_build_name(self.context)
        data["BuilderType"] = self.context.build_type
        context = template_context(self.context, generated)
        created: list[str] = []
        for kind in self.checksum_types:
            data["ChecksumType"] = kind
            for path in files:
                try:
                    target = render(self.output, data, context)
                except TemplateError as exc:
                    raise PostProcessError(str(exc)) from None
                if not os.path.exists(target):
                    created.append(target)
                _append(target, f"{digests[path][kind]}\t{os.path.basename(path)}\n")
        description = "Created artifact from files: " + ", ".join(files + created)
        result = FilesArtifact(BUILDER_ID, files=files + created, description=description)
        return PostProcessResult(result, keep_input=True, force_keep_input=True)


def _digests(path: str, kinds: list[str], cancel: CancelToken) -> dict[str, str]:
    if not kinds:
        return {}
    hashers = {kind: hashlib.new(kind) for kind in dict.fromkeys(kinds)}
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                cancel.raise_if_cancelled()
                for hasher in hashers.values():
                    hasher.update(chunk)
    except IsADirectoryError:
        raise PostProcessError(f"unable to compute {kinds[0]} hash for {path}") from None
    except OSError as exc:
        raise PostProcessError(f"unable to open file {path}: {os_error_text(exc, 'open', path)}") from None
    return {kind: hasher.hexdigest() for kind, hasher in hashers.items()}


def _append(target: str, line: str) -> None:
    directory = os.path.dirname(target)
    try:
        if directory:
            os.makedirs(directory, mode=0o755, exist_ok=True)
    except OSError as exc:
        raise PostProcessError(f"unable to create dir: {os_error_text(exc, 'mkdir', directory)}") from None
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        with os.fdopen(fd, "ab") as handle:
            handle.write(line.encode("utf-8", errors="surrogateescape"))
    except OSError as exc:
        raise PostProcessError(f"unable to create file {target}: {os_error_text(exc, 'open', target)}") from None

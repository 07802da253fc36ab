"""The ``compress`` post-processor: packs the artifact's files into one archive, as Packer's does.

The format comes from the extension of ``output`` (see
:mod:`builds.engine.post_processors.compress.formats`); ``output`` is a Go
template with ``.BuildName``, ``.BuilderType`` and the build's generated
data, by default ``packer_{{.BuildName}}_{{.BuilderType}}`` (a gzipped tar).
The input artifact is not kept unless the user says so. An archive left
half-written by a failure or a cancellation is removed.
"""

from __future__ import annotations

import os
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled, CancelToken
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
from builds.engine.post_processors.compress import archives, formats
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.compress"
DEFAULT_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class CompressPostProcessor(PostProcessor):
    """Archives and compresses the artifact's files into one file, which becomes the new artifact."""

    type_name = "compress"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems = self._configure()

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def _configure(self) -> list[str]:
        problems = []
        self.output = self.raw.get("output") or DEFAULT_OUTPUT
        self.format = formats.detect(self.output, self.raw.get("format") or "")
        level = self.raw.get("compression_level")
        if level is None:
            level = 0
        if isinstance(level, float) and not level.is_integer():
            problems.append(f"compression_level must be a whole number, not {level}")
            level = 0
        self.level = formats.normalize_level(int(level))
        problem = formats.level_problem(self.format, self.level)
        if problem:
            problems.append(problem)
        if self.format.algorithm == "lz4" and not formats.lz4_available():
            problems.append("lz4 compression needs the Python package lz4, which is not installed here; "
                            "install it or choose another extension for output")
        problem = template_problem(self.output, self.context)
        if problem:
            problems.append(f"Error parsing target template: {problem}")
        return problems

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        files = list(artifact.files)
        data: dict[str, Any] = generated_data(artifact)
        context = template_context(self.context, dict(data))
        data["BuildName"] = packer_build_name(self.context)
        data["BuilderType"] = self.context.build_type
        try:
            target = render(self.output, data, context)
        except TemplateError as exc:
            raise PostProcessError(f"Error interpolating output value: {exc}") from None
        if not self.format.archive and len(files) != 1:
            raise PostProcessError("Can only have 1 input file when not using tar/zip. "
                                   f"Found {len(files)} files: [{' '.join(files)}]")
        directory = os.path.dirname(target)
        try:
            if directory:
                os.makedirs(directory, mode=0o755, exist_ok=True)
        except OSError as exc:
            raise PostProcessError(f"Unable to create dir for archive {target}: "
                                   f"{os_error_text(exc, 'mkdir', directory)}") from None
        try:
            output = open(target, "wb")  # noqa: SIM115 - closed in _write's finally
        except OSError as exc:
            raise PostProcessError(f"Unable to create archive {target}: {os_error_text(exc, 'open', target)}") from None
        try:
            self._write(ui, output, target, files, cancel)
        except (PostProcessError, Cancelled):
            _remove(target)
            raise
        ui.say(f"Archive {target} completed")
        result = FilesArtifact(BUILDER_ID, files=[target], description=f"compressed artifacts in: {target}")
        return PostProcessResult(result, keep_input=False, force_keep_input=False)

    def _write(self, ui: BuildUI, output, target: str, files: list[str], cancel: CancelToken) -> None:
        archive, algorithm = self.format.archive, self.format.algorithm
        cores = _cores()
        if algorithm in ("pgzip", "bgzf"):
            ui.say(f"Using {algorithm} compression with {cores} cores for {target}")
        elif algorithm == "lz4":
            ui.say(f"Using lz4 compression with 1 core for {target}")
        elif algorithm in ("bzip2", "xz"):
            ui.say(f"Using {algorithm} compression with 1 core for {target} (library does not support MT)")
        compression = algorithm or "no compression"
        stream = None
        try:
            stream = formats.open_compressor(algorithm, output, self.level, cores)
            if archive == "tar":
                ui.say(f"Tarring {target} with {compression}")
                _archive_step("Error creating tar", archives.write_tar, files, stream, cancel)
            elif archive == "zip":
                ui.say(f"Zipping {target}")
                _archive_step("Error creating zip", archives.write_zip, files, output, cancel)
            else:
                ui.say(f"Archiving {files[0]} with {compression}")
                _archive_step("", archives.copy_file, files[0], stream, cancel)
            stream.close()
            stream = None
        except OSError as exc:
            raise PostProcessError(f"Unable to write archive {target}: {os_error_text(exc, 'write', target)}") from None
        finally:
            if stream is not None and hasattr(stream, "abort"):
                stream.abort()
            output.close()


def _archive_step(prefix: str, action, *args) -> None:
    try:
        action(*args)
    except archives.ArchiveError as exc:
        raise PostProcessError(f"{prefix}: {exc}" if prefix else str(exc)) from None


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        return

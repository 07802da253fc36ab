"""The ``artifice`` post-processor: replaces the artifact with files on the build host, as Packer's does.

Each entry of ``files`` is a pattern matched the way Go's ``filepath.Glob``
matches (``*``, ``?``, ``[a-z]``, ``[^a]``, ``\\`` escapes; no ``**``; hidden
files match too); a plain name that does not exist, like a pattern that
matches nothing, adds no file.
"""

from __future__ import annotations

import os
import re
from typing import Any

from builds.engine.artifact import Artifact
from builds.engine.cancel import CancelToken
from builds.engine.gotemplate import TemplateError, render
from builds.engine.plugins import PluginContext, PostProcessError, PostProcessor, PostProcessResult
from builds.engine.post_processors.common import (
    FilesArtifact,
    os_error_text,
    template_context,
    template_problem,
)
from builds.engine.ui import BuildUI

BUILDER_ID = "packer.post-processor.artifice"

_MAGIC = re.compile(r"[*?\[\\]")


class ArtificePostProcessor(PostProcessor):
    """Makes a new artifact of the listed files; the input is kept unless the user says otherwise."""

    type_name = "artifice"

    def __init__(self, config: dict[str, Any], context: PluginContext):
        super().__init__(config, context)
        self._problems = self._configure()

    def prepare(self) -> list[str]:
        """Return the configuration's problems (empty when it is valid)."""
        return list(self._problems)

    def _configure(self) -> list[str]:
        self.files: list[str] = list(self.raw.get("files") or [])
        if not self.files:
            return ["No files specified in artifice configuration"]
        problems = []
        for pattern in self.files:
            problem = template_problem(pattern, self.context)
            if problem:
                problems.append(problem)
        return problems

    def post_process(self, ui: BuildUI, artifact: Artifact, cancel: CancelToken) -> PostProcessResult:
        if artifact.files:
            ui.say("Discarding files from artifact: " + ", ".join(artifact.files))
        context = template_context(self.context)
        found: list[str] = []
        for pattern in self.files:
            try:
                pattern = render(pattern, {}, context)
            except TemplateError as exc:
                raise PostProcessError(str(exc)) from None
            try:
                matches = go_glob(pattern)
            except ValueError as exc:
                raise PostProcessError(str(exc)) from None
            for match in matches:
                try:
                    os.stat(match)
                except OSError as exc:
                    raise PostProcessError(os_error_text(exc, "stat", match)) from None
                found.append(match)
        ui.say("Using these artifact files: " + ", ".join(found))
        result = FilesArtifact(BUILDER_ID, files=found, description="Created artifact from files: " + ", ".join(found))
        return PostProcessResult(result, keep_input=True, force_keep_input=False)


def go_glob(pattern: str) -> list[str]:
    """Return the paths matching ``pattern`` as Go's ``filepath.Glob`` does (sorted within each directory).

    Raises ValueError ("syntax error in pattern") for a malformed pattern.
    """
    if not _MAGIC.search(pattern):
        return [pattern] if os.path.lexists(pattern) else []
    directory, name = os.path.split(pattern)
    directory = _clean_glob_dir(directory)
    regex = _segment(name)
    if not _MAGIC.search(directory):
        return _glob_in(directory, regex)
    if directory == pattern:
        raise ValueError("syntax error in pattern")
    out: list[str] = []
    for parent in go_glob(directory):
        out.extend(_glob_in(parent, regex))
    return out


def _clean_glob_dir(directory: str) -> str:
    if directory == "":
        return "."
    if directory == os.sep:
        return directory
    return directory[:-1] if directory.endswith(os.sep) else directory


def _glob_in(directory: str, regex: re.Pattern) -> list[str]:
    try:
        if not os.path.isdir(directory):
            return []
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.normpath(os.path.join(directory, name)) for name in names if regex.fullmatch(name)]


def _segment(pattern: str) -> re.Pattern:
    """Translate one path element of a Go pattern into a regular expression."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            index += 1
            if index >= len(pattern):
                raise ValueError("syntax error in pattern")
            out.append(re.escape(pattern[index]))
        elif char == "[":
            index, text = _char_class(pattern, index + 1)
            out.append(text)
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def _char_class(pattern: str, index: int) -> tuple[int, str]:
    """Translate ``[...]`` starting after its ``[``; return the index of its ``]`` and the regex class."""
    negate = index < len(pattern) and pattern[index] == "^"
    if negate:
        index += 1
    ranges: list[str] = []
    first = True
    while True:
        if index >= len(pattern):
            raise ValueError("syntax error in pattern")
        if pattern[index] == "]" and not first:
            break
        low, index = _class_char(pattern, index)
        high = low
        if index < len(pattern) and pattern[index] == "-":
            high, index = _class_char(pattern, index + 1)
            if high < low:
                raise ValueError("syntax error in pattern")
        ranges.append(re.escape(low) if low == high else f"{re.escape(low)}-{re.escape(high)}")
        first = False
    return index, f"[{'^' if negate else ''}{''.join(ranges)}{'/' if negate else ''}]"


def _class_char(pattern: str, index: int) -> tuple[str, int]:
    if index >= len(pattern) or pattern[index] in "-]":
        raise ValueError("syntax error in pattern")
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            raise ValueError("syntax error in pattern")
    return pattern[index], index + 1

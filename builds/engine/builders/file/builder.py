"""The ``file`` builder: writes a file from ``content`` or a ``source`` copy; handy for tests and examples."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from builds.engine.artifact import Artifact
from builds.engine.plugins import Builder
from builds.engine.state import BuildState
from builds.engine.steps import Action, Step, StepError

BUILDER_ID = "packer.file"


class FileBuilder(Builder):
    """Packer's ``file`` builder: its artifact is the target file; there is no machine to provision."""

    type_name = "file"
    builder_id = BUILDER_ID

    def prepare(self) -> list[str]:
        problems = []
        self.target = self.raw.get("target") or ""
        self.source = self.raw.get("source") or ""
        self.content = self.raw.get("content")
        if not self.target:
            problems.append("target for file builder must be specified")
        if self.source and self.content is not None:
            problems.append("source and content for file builder are mutually exclusive, only one may be set")
        if self.source and not os.path.isfile(self._resolve(self.source)):
            problems.append(f"source file {self.source} could not be read")
        return problems

    def _resolve(self, path: str) -> str:
        return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)

    def new_state(self, base: BuildState) -> BuildState:
        return base

    def steps(self) -> list[Step]:
        return [StepWriteFile(self)]

    def artifact(self, state: BuildState) -> Artifact | None:
        return Artifact(BUILDER_ID, id=self.target, files=[self.target], description=f"Stored file: {self.target}")


class StepWriteFile:
    """Copies ``source`` to ``target`` or writes ``content`` there."""

    def __init__(self, builder: FileBuilder):
        self.builder = builder

    def run(self, state: BuildState) -> Action:
        b = self.builder
        target = Path(b.target)
        try:
            if target.parent and not target.parent.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
            if b.source:
                state.ui.say(f"Copying {b.source} to {b.target}")
                shutil.copyfile(b._resolve(b.source), target)
            else:
                state.ui.say(f"Writing content to {b.target}" if b.content else
                             f"No source or content specified; creating an empty file {b.target}")
                target.write_text(b.content or "", encoding="utf-8")
        except OSError as exc:
            raise StepError(f"writing {b.target}: {exc.strerror or exc}") from exc
        return Action.CONTINUE

    def cleanup(self, state: BuildState) -> None:
        if state.error is not None and not state.cancel.cancelled:
            return
        if state.cancel.cancelled:
            Path(self.builder.target).unlink(missing_ok=True)

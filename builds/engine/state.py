"""Typed build state: what the steps of one build share, instead of Packer's untyped state bag.

Builders subclass :class:`BuildState` with the fields their steps exchange
(an instance id, a container id, ...), so each field has one type in every
step that reads or writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from builds.engine.cancel import CancelToken
from builds.engine.ui import BuildUI

if TYPE_CHECKING:
    from builds.engine.artifact import Artifact
    from builds.engine.communicators.base import Communicator
    from builds.engine.hook import Hook
    from builds.engine.ledger import Ledger
    from builds.engine.steps import CleanupFailure


@dataclass
class BuildState:
    """The state every builder's steps share."""

    ui: BuildUI
    cancel: CancelToken
    hook: Hook
    build_name: str  # "null.web" or "my-build.null.web"
    source_type: str
    source_name: str
    debug: bool = False
    force: bool = False
    communicator: Communicator | None = None
    error: BaseException | None = None
    artifact: Artifact | None = None
    cleanup_failures: list[CleanupFailure] = field(default_factory=list)
    # values provisioners can read as build.* / {{ .Name }}: Host, Port, User, ID, SourceAMI...
    generated: dict[str, Any] = field(default_factory=dict)
    build_id: str = ""  # unique per run of this build: tags and ledger entries carry it
    ledger: Ledger | None = None  # where temporary cloud resources are recorded

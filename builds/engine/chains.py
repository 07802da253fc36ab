"""Running a build's post-processor chains on the builder's artifact, with Packer's rules for what is kept.

Packer's ``CoreBuild.Run`` is the model, rule for rule:

* every chain starts from the builder's artifact; inside a chain each
  post-processor receives the artifact the one before it returned;
* a post-processor returns its artifact, whether it wants its input kept,
  and whether it insists on that (``PostProcessResult``). The user's
  ``keep_input_artifact`` overrides the plugin's wish, except that
  ``false`` cannot override a plugin that both wants the input kept and
  insists (manifest, checksum, shell-local);
* the first post-processor of a chain that keeps its input keeps the
  builder's artifact, which then opens the list of final artifacts; an
  intermediate artifact that is kept joins the list, one that is not is
  destroyed at once; the last artifact of each chain joins the list;
* when no post-processor kept the builder's artifact it is destroyed
  after all chains ran; a build without chains keeps it;
* a failing post-processor ends its chain (its input is then neither
  listed nor destroyed) and the next chain runs; errors are collected;
* a post-processor that returns no artifact ends its chain quietly.

Output follows Packer's: ``Running post-processor: checksum`` (or
``Running post-processor: NAME (type TYPE)`` when the block's name differs
from its type, which an unnamed block's empty name does) is said under the
build's name, and everything the post-processor itself writes under
``BUILD (TYPE)``, as in ``==> null.web (compress): Archive out.tar.gz completed``.
For that the runner renames the UI (``ui.build``) while the post-processor
runs and names the post-processor's type as the UI's step.

Cancellation is checked before each post-processor: once the build is
cancelled, no further post-processor runs and nothing more is destroyed; the
builder's artifact and those listed so far are returned, so the caller can
report or remove them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from builds.engine.artifact import Artifact
from builds.engine.cancel import Cancelled, CancelToken
from builds.engine.plugins import PostProcessError, PostProcessor
from builds.engine.ui import CANCELLED, FAILED, OK, POST_PROCESS, BuildUI


class ChainPostProcessor(Protocol):
    """What the runner needs of one prepared post-processor (the core's ``PreparedPostProcessor`` fits)."""

    type_name: str
    plugin: PostProcessor
    name: str
    keep_input_artifact: bool | None


@dataclass
class ChainLink:
    """One prepared post-processor of a chain.

    ``type_name`` is the Packer type (``"compress"``); ``name`` is the block's
    ``name`` argument as written, ``""`` when it has none (Packer prints such
    a block as ``Running post-processor:  (type compress)``);
    ``keep_input_artifact`` is the user's setting, ``None`` when unset;
    ``only``/``except_`` are the block's source filters, applied by
    :func:`select_chains`.
    """

    type_name: str
    plugin: PostProcessor
    name: str = ""
    keep_input_artifact: bool | None = None
    only: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)


@dataclass
class ChainOutcome:
    """The final artifacts in Packer's order, the errors met (``Post-processor failed: ...``), and
    whether a cancellation cut the chains short."""

    artifacts: list[Artifact] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False


def skips(only: Sequence[str], except_: Sequence[str], source: str) -> bool:
    """Return whether a block with these ``only``/``except`` lists skips ``source`` (``"null.web"``).

    Packer compares names exactly: ``only`` wins when both are given.
    """
    if only:
        return source not in only
    return source in except_


def select_chains(chains: Sequence[Sequence[ChainLink]], source: str) -> list[list[ChainLink]]:
    """Return the chains as they run for ``source``: skipped post-processors left out, empty chains dropped.

    Filtering comes first because it decides which post-processor opens a
    chain, and whether the build has chains at all.
    """
    selected = []
    for chain in chains:
        links = [link for link in chain if not skips(link.only, link.except_, source)]
        if links:
            selected.append(links)
    return selected


def run_chains(chains: Sequence[Sequence[ChainPostProcessor]], artifact: Artifact | None, ui: BuildUI,
               cancel: CancelToken) -> ChainOutcome:
    """Run every chain on the builder's ``artifact``; return the final artifacts and the errors.

    Never raises for a post-processor's failure (:class:`PostProcessError`)
    or a failed destroy: those become ``errors``. Exceptions of any other
    kind are bugs and propagate.
    """
    outcome = ChainOutcome()
    if artifact is None:
        return outcome
    if not chains:
        outcome.artifacts.append(artifact)
        return outcome
    if cancel.cancelled:
        outcome.cancelled = True
        return outcome
    keep_original = False
    for chain in chains:
        prior = artifact
        finished = True
        for index, link in enumerate(chain):
            if cancel.cancelled:
                return _stopped(outcome, artifact)
            if link.name == link.type_name:
                ui.say(f"Running post-processor: {link.type_name}")
            else:
                ui.say(f"Running post-processor: {link.name} (type {link.type_name})")
            try:
                with _targeted(ui, link.type_name):
                    result = link.plugin.post_process(ui, prior, cancel)
            except Cancelled:
                return _stopped(outcome, artifact)
            except PostProcessError as exc:
                outcome.errors.append(f"Post-processor failed: {exc}")
                finished = False
                break
            if result is None or result.artifact is None:
                finished = False
                break
            keep = result.keep_input
            user = link.keep_input_artifact
            if user is not None and not (result.keep_input and result.force_keep_input and not user):
                keep = user
            if index == 0:
                keep_original = keep_original or keep
            elif keep:
                outcome.artifacts.append(prior)
            else:
                _destroy(prior, outcome, lambda exc, pp=link.type_name: f"Failed cleaning up prior artifact: {exc}; "
                         f"pp is {pp}")
            prior = result.artifact
        if finished:
            outcome.artifacts.append(prior)
    if keep_original:
        outcome.artifacts.insert(0, artifact)
    else:
        _destroy(artifact, outcome, lambda exc: f"Error destroying builder artifact: {exc}; bad artifact: "
                 f"{_go_string_slice(artifact.files)}")
    return outcome


def _stopped(outcome: ChainOutcome, builder_artifact: Artifact) -> ChainOutcome:
    outcome.cancelled = True
    outcome.artifacts.insert(0, builder_artifact)
    return outcome


def _destroy(artifact: Artifact, outcome: ChainOutcome, message: Callable[[Exception], str]) -> None:
    try:
        artifact.destroy()
    except Exception as exc:  # a file or image that cannot be removed is reported, not fatal
        outcome.errors.append(message(exc))


@contextlib.contextmanager
def _targeted(ui: BuildUI, type_name: str) -> Iterator[None]:
    build, step = ui.build, ui.step
    ui.step_event(type_name, POST_PROCESS)
    ui.build, ui.step = f"{build} ({type_name})", type_name
    outcome = FAILED
    try:
        yield
        outcome = OK
    except Cancelled:
        outcome = CANCELLED
        raise
    finally:
        ui.build, ui.step = build, step
        ui.step_event(type_name, POST_PROCESS, outcome)


def _go_string_slice(items: Sequence[str]) -> str:
    """Return ``items`` as Go prints a ``[]string`` with ``%#v``: ``[]string{"a", "b"}``."""
    import json

    return "[]string{" + ", ".join(json.dumps(item, ensure_ascii=False) for item in items) + "}"

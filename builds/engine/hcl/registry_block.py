"""The channels a build's ``hcp_packer_registry`` block names: where ImageHub assigns its images on success.

HCP Packer's block names the bucket and its labels; ImageHub reads one more
argument, ``channels = ["dev", ...]``, the channels of the template that
move to the build when it succeeds (the dashboard does the assigning).
"""

from __future__ import annotations

from collections.abc import Iterable

from builds.engine.hcl.config import Config
from builds.engine.hcl.evaluate import EvalError, evaluate
from builds.engine.hcl.template import BuildDecl


def registry_channels(config: Config, builds: Iterable[BuildDecl]) -> tuple[list[str], list[str]]:
    """The channel names the ``hcp_packer_registry`` blocks of ``builds`` list, in order without repeats, and a
    message for each ``channels`` argument that is not a list of strings (with its position)."""
    names: list[str] = []
    problems: list[str] = []
    seen: set[int] = set()
    for build in builds:
        block = build.hcp_packer_registry
        if block is None or id(block) in seen:
            continue
        seen.add(id(block))
        attribute = block.body.attributes.get("channels")
        if attribute is None:
            continue
        try:
            value = evaluate(attribute.expr, config.context.scope())
        except EvalError as error:
            problems.append(f"{attribute.expr.range}: {error.diag.summary}. {error.diag.detail}".strip())
            continue
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            problems.append(f"{attribute.expr.range}: channels must be a list of channel names, such as "
                            '["dev", "production"].')
            continue
        names += [name for name in value if name not in names]
    return names, problems

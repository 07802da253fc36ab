"""``imagehub init``: check a template's ``required_plugins`` against the plugins built into ImageHub.

Packer's ``init`` downloads the plugins a template requires. ImageHub installs
nothing: its plugins are built in, at the versions :mod:`builds.engine.registry`
lists. Resolving a requirement therefore means normalising its source address,
parsing its version constraint (go-version rules, :mod:`builds.engine.versions`)
and checking the built-in version against it.

Source addresses follow Packer's rules (a host and at least two path parts,
no scheme, query or fragment, no ``packer-`` prefix on the plugin name), with
two conveniences: a two-part ``namespace/name`` is read as
``github.com/namespace/name`` (Packer rejects it, so a warning says so), and
addresses compare case-insensitively, as GitHub paths do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from builds.engine import registry
from builds.engine.versions import Constraints

DEFAULT_HOST = "github.com"
MAX_SOURCE_PARTS = 16

_PLUGIN_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

NO_REQUIREMENTS_MESSAGE = (
    "No plugins requirement found, make sure you reference a template\n"
    "containing a packer.required_plugins block. See\n"
    "https://developer.hashicorp.com/packer/docs/templates/hcl_templates/blocks/packer\n"
    "for more info."
)

Status = Literal["satisfied", "unsatisfied", "unknown", "invalid"]


@dataclass(frozen=True, slots=True)
class PluginResolution:
    """What became of one ``required_plugins`` entry."""

    name: str  # the local name, the key in required_plugins
    source: str  # the normalised source address, or the text given when it is invalid
    constraint: str  # the version constraint as written ("" when missing)
    builtin_version: str | None  # the built-in plugin's version; None when there is none
    status: Status  # unknown: no built-in plugin; invalid: the entry itself is malformed
    message: str
    warning: str = ""  # something to fix although it did not stop resolution

    @property
    def satisfied(self) -> bool:
        """Whether ImageHub's built-in plugin meets the requirement."""
        return self.status == "satisfied"


class InitLine(NamedTuple):
    """One line of ``imagehub init`` output (no newline); error lines go to standard error."""

    text: str
    error: bool = False


def normalize_source(source: str) -> tuple[str, str]:
    """Return ``(address, warning)`` for a plugin source address; ``warning`` is "" when none.

    Raises ValueError with every problem found when ``source`` is not a valid address.
    """
    problems = []
    if "://" in source:
        problems.append("A source URL must not contain a scheme (e.g. https://).")
    if "?" in source:
        problems.append("A source URL must not contain a query (e.g. ?var=val).")
    if "#" in source:
        problems.append("A source URL must not contain a fragment (e.g. #anchor).")
    if source.startswith("/"):
        problems.append("A source URL must not start with a '/' character.")
    if source.endswith("/"):
        problems.append("A source URL must not end with a '/' character.")
    parts = source.strip("/").split("/")
    if len(parts) < 2:
        problems.append(
            'A source URL must contain a host and a path with 2 components ("host/namespace/name").'
        )
    elif "" in parts and "://" not in source:
        problems.append("A source URL must not contain an empty component ('//').")
    if len(parts) > MAX_SOURCE_PARTS:
        problems.append(
            f"A source URL must have at most {MAX_SOURCE_PARTS} components; this one has {len(parts)}."
        )
    if problems:
        raise ValueError(
            f'The source "{source}" is invalid:\n'
            + "".join(f"* {p}\n" for p in problems)
            + f'A valid source looks like "{registry.AMAZON}".'
        )
    parts = [part.lower() for part in parts]
    warning = ""
    if len(parts) == 2:
        parts.insert(0, DEFAULT_HOST)
        warning = (
            f'"{source}" is short for "{"/".join(parts)}"; Packer requires the full address, '
            "so write it out for the template to work with Packer too."
        )
    _check_plugin_name(source, parts[-1])
    return "/".join(parts), warning


def _check_plugin_name(source: str, name: str) -> None:
    repository_prefix = "packer-plugin-"
    suggestion = name.removeprefix(repository_prefix)
    if name.startswith(repository_prefix) and _PLUGIN_NAME_RE.fullmatch(suggestion):
        raise ValueError(
            f'The source "{source}" names the plugin "{name}": plugin source addresses do not '
            f'include the "{repository_prefix}" prefix of repository names. '
            f'Did you mean "{suggestion}"?'
        )
    if name.startswith("packer-"):
        raise ValueError(
            f'The source "{source}" names the plugin "{name}", which starts with the '
            '"packer-" prefix that plugin names may not have.'
        )
    if not _PLUGIN_NAME_RE.fullmatch(name):
        raise ValueError(
            f'The source "{source}" names the plugin "{name}", which is invalid: a plugin name '
            "contains only letters, digits and single dashes, and neither starts nor ends with a dash."
        )


def resolve_required_plugins(required: dict[str, Any]) -> list[PluginResolution]:
    """Return one resolution per entry of an evaluated ``required_plugins`` block, in its order.

    ``required`` maps each local name to ``{"source": ..., "version": ...}``.
    Problems with an entry (a missing or malformed source or version, an unknown
    attribute) are reported in its resolution, not raised.
    """
    return [_resolve(name, requirement) for name, requirement in required.items()]


def _invalid(name: str, source: str, constraint: str, message: str) -> PluginResolution:
    return PluginResolution(name, source, constraint, None, "invalid", message)


def _resolve(name: str, requirement: Any) -> PluginResolution:
    if not isinstance(requirement, dict):
        return _invalid(
            name,
            "",
            "",
            f"A plugin requirement is an object with a source and a version, e.g.\n"
            f'{name} = {{\n  source  = "github.com/hashicorp/{name}"\n  version = ">= 1.0.0"\n}}',
        )
    source = requirement.get("source")
    constraint = requirement.get("version")
    shown_source = source if isinstance(source, str) else ""
    shown_constraint = constraint if isinstance(constraint, str) else ""
    extra = sorted(set(requirement) - {"source", "version"})
    if extra:
        return _invalid(
            name,
            shown_source,
            shown_constraint,
            'A required_plugins entry may only contain "source" and "version"; '
            "remove " + ", ".join(f'"{key}"' for key in extra) + ".",
        )
    if not isinstance(source, str):
        problem = "No source was set" if source is None else "The source is not a string"
        return _invalid(
            name,
            "",
            shown_constraint,
            f'{problem}: write it as a string such as source = "github.com/hashicorp/{name}".',
        )
    if not isinstance(constraint, str):
        problem = (
            "No version constraint was set" if constraint is None else "The version is not a string"
        )
        return _invalid(
            name,
            source,
            "",
            f'{problem}: write it as a string such as version = ">= 1.2.0, < 2.0.0".',
        )
    try:
        constraints = Constraints.parse(constraint)
    except ValueError as error:
        return _invalid(name, source, constraint, f"Invalid version constraint: {error}")
    if constraints.has_prerelease:
        return _invalid(
            name,
            source,
            constraint,
            f'Invalid version constraint: pre-release versions are not supported in "{constraint}".',
        )
    try:
        address, warning = normalize_source(source)
    except ValueError as error:
        return _invalid(name, source, constraint, str(error))
    version = registry.plugin_sources().get(address)
    if version is None:
        return PluginResolution(
            name,
            address,
            constraint,
            None,
            "unknown",
            f'ImageHub has no built-in plugin for {address}, so none satisfies "{constraint}"',
            warning,
        )
    if constraints.check(version):
        message = f'{address} v{version} is built into ImageHub (satisfies "{constraint}")'
        return PluginResolution(name, address, constraint, version, "satisfied", message, warning)
    message = f'{address} v{version} is built into ImageHub but does not satisfy "{constraint}"'
    return PluginResolution(name, address, constraint, version, "unsatisfied", message, warning)


def init_lines(resolutions: list[PluginResolution]) -> list[InitLine]:
    """Return the lines ``imagehub init`` prints for ``resolutions``.

    The command fails (exit status 1) when any resolution is not satisfied.
    """
    if not resolutions:
        return [InitLine(text) for text in NO_REQUIREMENTS_MESSAGE.splitlines()]
    lines: list[InitLine] = []
    for resolution in resolutions:
        if resolution.warning:
            lines.append(InitLine(f"Warning: {resolution.warning}", error=True))
        if resolution.satisfied:
            lines.append(InitLine(resolution.message))
            continue
        if resolution.status == "invalid":
            lines.append(InitLine(f'Invalid plugin requirement "{resolution.name}":', error=True))
        else:
            lines.append(InitLine(f'Failed getting the "{resolution.source}" plugin:', error=True))
        lines.extend(InitLine(text, error=True) for text in resolution.message.splitlines())
    return lines

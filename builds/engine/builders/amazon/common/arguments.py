"""Typed reading of a plugin's decoded arguments: strings, flags, numbers, lists, maps and tag blocks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from builds.engine.hcl.values import is_unknown


class Arguments:
    """Reads values out of decoded arguments (or a nested block's), with defaults for absent ones.

    Unknown values (known only at build time) read as absent; the template language reports them.
    """

    def __init__(self, raw: Mapping[str, Any] | None):
        self.raw = raw if isinstance(raw, Mapping) else {}

    def _get(self, name: str) -> Any:
        value = self.raw.get(name)
        return None if value is None or is_unknown(value) else value

    def has(self, name: str) -> bool:
        """Whether ``name`` is set (to anything but null)."""
        return self._get(name) is not None

    def text(self, name: str, default: str = "") -> str:
        value = self._get(name)
        return default if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._get(name)
        return default if value is None else bool(value)

    def trilean(self, name: str) -> bool | None:
        """A bool that may be unset (Packer's ``config.Trilean``): None when absent."""
        value = self._get(name)
        return None if value is None else bool(value)

    def integer(self, name: str, default: int = 0) -> int:
        value = self._get(name)
        if value is None or isinstance(value, bool):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    def optional_integer(self, name: str) -> int | None:
        value = self._get(name)
        if value is None or isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def strings(self, name: str) -> list[str]:
        value = self._get(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return [str(item) for item in value if item is not None]

    def mapping(self, name: str) -> dict[str, str]:
        value = self._get(name)
        if not isinstance(value, Mapping):
            return {}
        return {str(key): "" if item is None else str(item) for key, item in value.items()}

    def block(self, name: str) -> Arguments | None:
        """The nested single block ``name``, or None when it is absent."""
        value = self._get(name)
        return Arguments(value) if isinstance(value, Mapping) else None

    def blocks(self, name: str) -> list[Arguments]:
        """The repeated nested blocks ``name``, in order."""
        value = self._get(name)
        if isinstance(value, Mapping):
            return [Arguments(value)]
        return [Arguments(item) for item in value or [] if isinstance(item, Mapping)]

    def tags(self, map_name: str, block_name: str, key: str = "key") -> tuple[dict[str, str], list[str]]:
        """Merge a tag map (``tags``) with its block form (``tag { key = ... value = ... }``).

        Returns the merged map and the problems found (a block without a key), as Packer's
        ``CopyOn`` does; a block's value wins over the map's for the same key.
        """
        merged = self.mapping(map_name)
        problems = []
        for item in self.blocks(block_name):
            name = item.text(key)
            if not name:
                problems.append(f"{block_name}: every block needs a non-empty {key}")
                continue
            merged[name] = item.text("value")
        return merged, problems

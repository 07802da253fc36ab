"""The error of a value that does not conform to a type, and the path inside the value where it does not."""

from __future__ import annotations


class ConversionError(Exception):
    """A value does not conform to a type. ``path`` (``[2].name``) says where inside the value, or is empty."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Return the message prefixed with the path, when there is one (``[2].name: string required``)."""
        return f"{self.path}: {self.message}" if self.path else self.message



def format_path(path: list) -> str:
    """Return a path (steps ``("attr", name)`` or ``("index", key)``) as ``[2].name`` or ``["key"]``."""
    parts = []
    for kind, key in path:
        if kind == "attr":
            parts.append(f".{key}")
        elif isinstance(key, str):
            parts.append("[" + _quote(key) + "]")
        else:
            parts.append(f"[{key}]")
    return "".join(parts)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

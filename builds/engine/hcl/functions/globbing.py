"""Path patterns as the doublestar library matches them: ``*``, ``?``, ``[...]``, ``{a,b}`` and ``**``."""

from __future__ import annotations

import os
import re

_MAGIC = re.compile(r"[*?\[{\\]")


def expand_braces(pattern: str) -> list[str]:
    """Return the patterns that ``{a,b}`` alternatives in ``pattern`` stand for (nested braces too)."""
    depth, start, i = 0, -1, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                options, level, last = [], 0, start + 1
                for j in range(start + 1, i):
                    if pattern[j] == "{":
                        level += 1
                    elif pattern[j] == "}":
                        level -= 1
                    elif pattern[j] == "," and level == 0 and pattern[j - 1] != "\\":
                        options.append(pattern[last:j])
                        last = j + 1
                options.append(pattern[last:i])
                head, tail = pattern[:start], pattern[i + 1 :]
                return [e for option in options for e in expand_braces(head + option + tail)]
        i += 1
    return [pattern]


def segment_regex(segment: str) -> re.Pattern:
    """Return the regular expression that one path segment of a glob pattern stands for."""
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        if char == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = segment.find("]", i + 2)
            if end < 0:
                raise ValueError("syntax error in pattern")
            body = segment[i + 1 : end]
            negate = body[:1] in ("!", "^")
            if negate:
                body = body[1:]
            body = body.replace("\\", "\\\\").replace("[", "\\[")
            out.append(f"[{'^' if negate else ''}{body}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _walk(directory: str, relative: str, parts: list[str], found: set[str]) -> None:
    if not parts:
        if relative and os.path.isfile(directory):
            found.add(relative)
        return
    part, rest = parts[0], parts[1:]
    if part == "**":
        _walk(directory, relative, rest, found)
        for entry in _entries(directory):
            path = os.path.join(directory, entry)
            if os.path.islink(path) and os.path.isdir(path):
                _walk(path, _join(relative, entry), rest, found)
            else:
                _walk(path, _join(relative, entry), parts, found)
        return
    if not _MAGIC.search(part):
        path = os.path.join(directory, part)
        if os.path.lexists(path):
            _walk(path, _join(relative, part), rest, found)
        return
    regex = segment_regex(part)
    for entry in _entries(directory):
        if regex.fullmatch(entry):
            _walk(os.path.join(directory, entry), _join(relative, entry), rest, found)


def _entries(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except (NotADirectoryError, FileNotFoundError, PermissionError):
        return []


def _join(relative: str, name: str) -> str:
    return f"{relative}/{name}" if relative else name


def glob_files(root: str, pattern: str) -> list[str]:
    """Return the regular files under ``root`` that ``pattern`` matches, as sorted ``/``-separated paths.

    Raises ValueError if the pattern is malformed.
    """
    found: set[str] = set()
    for expanded in expand_braces(pattern):
        parts = [p for p in expanded.split("/") if p not in ("", ".")]
        _walk(root, "", parts, found)
    return sorted(found)

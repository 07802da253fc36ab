"""Regular expression functions: regex, regexall, regex_replace (RE2 syntax, Go's ``$1`` replacements).

Patterns are compiled by the ``regex`` module, which reads RE2's syntax closely
(Unicode classes, POSIX classes...). A pattern written only with syntax that
Python's own ``re`` reads identically (ASCII literals and punctuation escapes,
classes, groups, alternation, anchors and repetition; no flags, named groups,
letter escapes or set operations) is compiled by ``re`` instead, which saves
loading ``regex`` (the commonest use, ``regex_replace(timestamp(), "[- TZ:]",
"")``, is such a pattern). Error messages always come from ``regex``.
"""

from __future__ import annotations

import re
from typing import Any

from ..types import STRING
from .base import FunctionError, Param, define


def _translate(pattern: str) -> str:
    """Return an RE2 pattern rewritten for Python's ``regex`` module (``\\z``, ``(?<name>``, ``$``)."""
    out, i, in_class = [], 0, False
    multiline = "(?m" in pattern or "(?sm" in pattern or "(?im" in pattern
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append("\\Z" if pair == "\\z" and not in_class else pair)
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "[" and pattern[i + 1 : i + 2] != ":":
                out.append("\\[")
                i += 1
                continue
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append("\\]")
                i += 1
            i += 1
            continue
        elif char == "(" and pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        elif char == "$" and not multiline:
            out.append("\\Z")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


# Syntax that ``re`` lacks or reads differently: letter or digit escapes (\d, \p{..}, \z, \1), "(?"
# (flags, named groups, lookaround), POSIX classes and what ``re`` would take for set operations.
_NOT_PORTABLE = re.compile(r"\\[0-9A-Za-z]|\(\?|\[[\[:]|--|&&|~~|\|\|")


class _InvalidPattern(ValueError):
    """A pattern that does not compile; ``msg`` is the ``regex`` module's description of the problem."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


def _compile(pattern: str):
    """Compile an RE2 pattern (after :func:`_translate`); raise :class:`_InvalidPattern` if it is invalid."""
    translated = _translate(pattern)
    if pattern.isascii() and not _NOT_PORTABLE.search(pattern):
        try:
            return re.compile(translated)
        except re.error:
            pass  # compiled again below, for the regex module's wording of the problem
    import regex as re2

    try:
        return re2.compile(translated, re2.VERSION0)
    except re2.error as exc:
        raise _InvalidPattern(exc.msg) from None


_REPEAT = re.compile(r"\{(\d+)(?:,(\d*))?\}")
MAX_REPEAT = 1000  # RE2's limit on a repetition count


def _oversized_repeat(pattern: str) -> str | None:
    """The first ``{n}``/``{n,m}`` outside a character class whose count RE2 refuses, or None.

    Python's ``regex`` module accepts any count and can take minutes to compile ``a{99999999}``.
    """
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):
                i += 1
            continue
        elif char == "{":
            match = _REPEAT.match(pattern, i)
            if match and any(int(count) > MAX_REPEAT for count in match.groups() if count):
                return match.group()
        i += 1
    return None


def compile_pattern(pattern: str, arg_index: int | None = 0):
    """Return the compiled RE2-style pattern; raise FunctionError naming the pattern argument if invalid."""
    oversized = _oversized_repeat(pattern)
    if oversized is not None:
        raise FunctionError(f"invalid regexp pattern: invalid repeat count {oversized} in {pattern}", arg_index)
    try:
        compiled = _compile(pattern)
    except _InvalidPattern as exc:
        raise FunctionError(f"invalid regexp pattern: {exc.msg} in {pattern}", arg_index) from None
    names = list(compiled.groupindex)
    unnamed = compiled.groups - len(names)
    if names and unnamed:
        raise FunctionError("invalid regexp pattern: cannot mix both named and unnamed capture groups", arg_index)
    return compiled


def _result(compiled, match) -> Any:
    if compiled.groups == 0:
        return match.group(0)
    if compiled.groupindex:
        return {name: match.group(name) for name in sorted(compiled.groupindex)}
    return [match.group(i) for i in range(1, compiled.groups + 1)]


@define("regex", Param("pattern", STRING), Param("string", STRING))
def regex_(ctx, pattern, text):
    """The first match of the pattern in the string: a string, or a list or map of its capture groups."""
    compiled = compile_pattern(pattern)
    match = compiled.search(text)
    if match is None:
        raise FunctionError("pattern did not match any part of the given string")
    return _result(compiled, match)


@define("regexall", Param("pattern", STRING), Param("string", STRING))
def regexall(ctx, pattern, text):
    """Every match of the pattern in the string, each as ``regex`` would return it."""
    compiled = compile_pattern(pattern)
    return [_result(compiled, match) for match in compiled.finditer(text)]


def _expand(template: str, match, compiled) -> str:
    """Return Go's Regexp.Expand of ``template``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out, i = [], 0
    while i < len(template):
        char = template[i]
        if char != "$" or i + 1 >= len(template):
            out.append(char)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if template[i + 1] == "{":
            end = template.find("}", i + 2)
            name = template[i + 2 : end] if end > 0 else ""
            if end < 0 or not name or not all(c.isalnum() or c == "_" for c in name):
                out.append(char)
                i += 1
                continue
            i = end + 1
        else:
            j = i + 1
            while j < len(template) and (template[j].isalnum() or template[j] == "_"):
                j += 1
            name = template[i + 1 : j]
            if not name:
                out.append(char)
                i += 1
                continue
            i = j
        if name.isdigit():
            number = int(name)
            value = match.group(number) if number <= compiled.groups else None
        else:
            value = match.group(name) if name in compiled.groupindex else None
        out.append(value or "")
    return "".join(out)


@define("regex_replace", Param("str", STRING), Param("pattern", STRING), Param("replace", STRING))
def regex_replace(ctx, text, pattern, replacement):
    """The string with every match of the pattern replaced; ``$1`` or ``${name}`` insert capture groups."""
    oversized = _oversized_repeat(pattern)
    if oversized is not None:
        raise FunctionError(f"error parsing regexp: invalid repeat count: `{oversized}`")
    try:
        compiled = _compile(pattern)
    except _InvalidPattern as exc:
        raise FunctionError(f"error parsing regexp: {exc.msg}: `{pattern}`") from None
    return compiled.sub(lambda m: _expand(replacement, m, compiled), text)

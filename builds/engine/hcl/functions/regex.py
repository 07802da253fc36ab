"""Regular expression functions: regex, regexall, regex_replace (RE2 syntax, Go's ``$1`` replacements)."""

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
    import regex as re2

    oversized = _oversized_repeat(pattern)
    if oversized is not None:
        raise FunctionError(f"invalid regexp pattern: invalid repeat count {oversized} in {pattern}", arg_index)
    try:
        compiled = re2.compile(_translate(pattern), re2.VERSION0)
    except re2.error as exc:
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
    import regex as re2

    oversized = _oversized_repeat(pattern)
    if oversized is not None:
        raise FunctionError(f"error parsing regexp: invalid repeat count: `{oversized}`")
    try:
        compiled = re2.compile(_translate(pattern), re2.VERSION0)
    except re2.error as exc:
        raise FunctionError(f"error parsing regexp: {exc.msg}: `{pattern}`") from None
    return compiled.sub(lambda m: _expand(replacement, m, compiled), text)

"""String functions: upper, lower, title, trim*, chomp, indent, join, split, sort, substr, strrev, replace, ..."""

from __future__ import annotations

from ..types import NUMBER, STRING, List
from .base import FunctionError, Param, define, to_int
from .text import go_lower, go_title, go_trim_space, go_upper, graphemes


@define("upper", Param("str", STRING))
def upper(ctx, text):
    """The string with every letter in upper case."""
    return go_upper(text)


@define("lower", Param("str", STRING))
def lower(ctx, text):
    """The string with every letter in lower case."""
    return go_lower(text)


@define("title", Param("str", STRING))
def title(ctx, text):
    """The string with the first letter of each word in upper case."""
    return go_title(text)


@define("strrev", Param("str", STRING))
def strrev(ctx, text):
    """The string with its characters (grapheme clusters) in reverse order."""
    return "".join(reversed(graphemes(text)))


@define("chomp", Param("str", STRING))
def chomp(ctx, text):
    """The string without its trailing newline characters."""
    return text.rstrip("\r\n")


@define("trimspace", Param("str", STRING))
def trimspace(ctx, text):
    """The string without leading and trailing white space."""
    return go_trim_space(text)


@define("trim", Param("str", STRING), Param("cutset", STRING))
def trim(ctx, text, cutset):
    """The string without any of the characters of ``cutset`` at its start and end."""
    return text.strip(cutset)


@define("trimprefix", Param("str", STRING), Param("prefix", STRING))
def trimprefix(ctx, text, prefix):
    """The string without the given prefix, if it starts with it."""
    return text.removeprefix(prefix)


@define("trimsuffix", Param("str", STRING), Param("suffix", STRING))
def trimsuffix(ctx, text, suffix):
    """The string without the given suffix, if it ends with it."""
    return text.removesuffix(suffix)


@define("startswith", Param("str", STRING), Param("prefix", STRING))
def startswith(ctx, text, prefix):
    """Whether the string starts with the prefix."""
    return text.startswith(prefix)


@define("endswith", Param("str", STRING), Param("suffix", STRING))
def endswith(ctx, text, suffix):
    """Whether the string ends with the suffix."""
    return text.endswith(suffix)


@define("strcontains", Param("str", STRING), Param("substr", STRING))
def strcontains(ctx, text, substr):
    """Whether the string contains the substring."""
    return substr in text


@define("replace", Param("str", STRING), Param("substr", STRING), Param("replace", STRING))
def replace(ctx, text, substr, replacement):
    """The string with every occurrence of ``substr`` replaced."""
    return text.replace(substr, replacement)


MAX_INDENT_CHARS = 64 * 1024 * 1024  # more would only exhaust memory


@define("indent", Param("spaces", NUMBER), Param("str", STRING))
def indent(ctx, spaces, text):
    """The string with every line but the first indented by the given number of spaces."""
    count = to_int(spaces)
    if count < 0:
        raise FunctionError("negative Repeat count")
    newlines = text.count("\n")
    if count * newlines > MAX_INDENT_CHARS:
        raise FunctionError(f"the indented string would be longer than {MAX_INDENT_CHARS} characters", 0)
    return text.replace("\n", "\n" + " " * count) if newlines else text


@define("split", Param("separator", STRING), Param("str", STRING))
def split(ctx, separator, text):
    """The list of the parts of the string between the separators."""
    if separator == "":
        return list(text)
    return text.split(separator)


@define("join", Param("separator", STRING), variadic=Param("lists", List(STRING)))
def join(ctx, separator, *lists):
    """The elements of the lists joined with the separator."""
    if not lists:
        raise FunctionError("at least one list is required")
    items = []
    for list_index, items_list in enumerate(lists):
        for elem_index, item in enumerate(items_list):
            if item is None:
                if len(lists) > 1:
                    raise FunctionError(
                        f"element {elem_index} of list {list_index + 1} is null; cannot concatenate null values",
                        list_index + 1,
                    )
                raise FunctionError(f"element {elem_index} is null; cannot concatenate null values", list_index + 1)
            items.append(item)
    return separator.join(items)


@define("sort", Param("list", List(STRING)))
def sort(ctx, items):
    """The strings of the list in lexicographic order."""
    for index, item in enumerate(items):
        if item is None:
            raise FunctionError(f"given list element {index} is null; a null string cannot be sorted")
    return sorted(items)


@define("substr", Param("str", STRING), Param("offset", NUMBER), Param("length", NUMBER))
def substr(ctx, text, offset, length):
    """The part of the string starting at ``offset`` (from the end if negative), ``length`` long (-1: all)."""
    offset, length = to_int(offset), to_int(length)
    clusters = graphemes(text)
    if offset < 0:
        offset = max(offset + len(clusters), 0)
    elif length == 0:
        return ""
    if offset >= len(clusters) and offset > 0:
        return ""
    rest = clusters[offset:]
    if length < 0 or length == 0:
        return "".join(rest)
    return "".join(rest[:length])

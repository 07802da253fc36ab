"""Text helpers shared by the string functions: grapheme clusters, Go's case and space rules."""

from __future__ import annotations

# unicode.IsSpace in Go: ASCII space characters, NEL, NBSP and the Unicode Z* spaces.
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def graphemes(text: str) -> list[str]:
    """Return the user-perceived characters (extended grapheme clusters) of ``text``."""
    if text.isascii() and "\r\n" not in text:
        return list(text)
    import regex

    return regex.findall(r"\X", text)


def grapheme_count(text: str) -> int:
    """Return how many grapheme clusters ``text`` has."""
    if text.isascii() and "\r\n" not in text:
        return len(text)
    return len(graphemes(text))


def go_upper(text: str) -> str:
    """Upper-case rune by rune as Go's strings.ToUpper does (no ``ß`` → ``SS``)."""
    if text.isascii():
        return text.upper()
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def go_lower(text: str) -> str:
    """Lower-case rune by rune as Go's strings.ToLower does."""
    if text.isascii():
        return text.lower()
    return "".join(u if len(u := c.lower()) == 1 else c for c in text)


def go_trim_space(text: str) -> str:
    """Strip leading and trailing white space as Go's strings.TrimSpace does."""
    start, end = 0, len(text)
    while start < end and text[start] in GO_SPACE:
        start += 1
    while end > start and text[end - 1] in GO_SPACE:
        end -= 1
    return text[start:end]


def _is_separator(char: str) -> bool:
    if char.isascii():
        return not (char.isalnum() or char == "_")
    if char.isalpha() or char.isdigit():
        return False
    return char in GO_SPACE


def go_title(text: str) -> str:
    """Capitalise the first letter of each word as Go's strings.Title does."""
    out = []
    previous = " "
    for char in text:
        if _is_separator(previous):
            title = char.title()
            out.append(title if len(title) == 1 else char)
        else:
            out.append(char)
        previous = char
    return "".join(out)

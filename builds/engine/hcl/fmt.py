"""Canonical formatting of HCL config text, byte for byte what ``packer fmt`` writes.

Formatting only ever changes the spaces before tokens, line by line:

1. the text is cut into lines (a line ends with a newline token or a ``#``/``//``
   comment, which carries its newline); each line is split into up to three
   cells: the *lead*, an *assign* cell from the first ``=`` (when the brackets
   after it balance) and a trailing *comment* cell;
2. every line is indented by two spaces per open bracket level, counted per line;
3. spaces between tokens within a cell follow fixed rules (one space between
   most tokens, none inside brackets, around dots, inside templates...);
4. the ``=`` of consecutive assignment lines, and the trailing comments of
   consecutive commented lines, are aligned to one column.

Line endings, blank lines, heredoc bodies, comment texts and a missing final
newline are kept as they are. Blanks after the last token of the text are kept
too, each tab turned into one space (as hclwrite does: it counts blanks, not
their kind).

The rules are those of hclwrite as vendored in Packer 1.6.6, which predates
hclwrite's "no space after ``!``" rule: ``!a`` is written ``! a``.
"""

from __future__ import annotations

import unicodedata

from builds.engine.hcl.lexer import scan_spans

_OPENERS = frozenset({"OBrace", "OBrack", "OParen", "TemplateControl", "TemplateInterp"})
_CLOSERS = frozenset({"CBrace", "CBrack", "CParen", "TemplateSeqEnd"})

_TEMPLATE_SUBJECTS = frozenset({"QuotedLit", "StringLit", "OQuote", "OHeredoc"})
_TEMPLATE_FOLLOWERS = frozenset({"QuotedLit", "StringLit", "CQuote", "CHeredoc"})

# Tokens after which a "-" starts a negative operand rather than a subtraction.
_NEGATION_CONTEXT = frozenset(
    {
        "Nil",
        "OParen",
        "OBrace",
        "OBrack",
        "Equal",
        "Colon",
        "Comma",
        "Question",
        "Plus",
        "Star",
        "Slash",
        "Percent",
        "Minus",
        "EqualOp",
        "NotEqual",
        "GreaterThan",
        "GreaterThanEq",
        "LessThan",
        "LessThanEq",
        "And",
        "Or",
        "Bang",
    }
)


_BRACKET_CHANGE = {**dict.fromkeys(_OPENERS, 1), **dict.fromkeys(_CLOSERS, -1)}
"""How a token changes the bracket depth: +1 opens, -1 closes; other types are absent (0)."""

# The answers of _space_after already computed, keyed by (subject, before, after, subject is "in").
_SPACING: dict[tuple[str, str, str, bool], int] = {}


def _space_after(subject: str, subject_text: str, before: str, after: str) -> bool:
    """Whether a token of type ``subject`` gets one space before the next token ``after``.

    ``before`` is the type of the token preceding ``subject`` (``"Nil"`` at the start of a cell).
    """
    if after == "Newline":
        return False
    if subject == "Ident" and after == "OParen":
        return False
    if (subject == "Ident" and after == "DoubleColon") or (
        subject == "DoubleColon" and after == "Ident"
    ):
        return False
    if subject == "Dot" or after == "Dot":
        return False
    if after == "Comma" or after == "Ellipsis":
        return False
    if subject == "Comma":
        return True
    if subject in _TEMPLATE_SUBJECTS or after in _TEMPLATE_FOLLOWERS:
        return False
    if subject == "Ident" and subject_text == "in" and before == "Ident":
        # "for x in [a, b]: x" keeps the space that "in[...]" would otherwise lose.
        return True
    if after == "OBrack" and (subject == "Ident" or subject == "NumberLit" or subject in _CLOSERS):
        return False
    if subject == "Minus":
        return before not in _NEGATION_CONTEXT
    if subject == "OBrace" or after == "CBrace":
        return not (subject == "OBrace" and after == "CBrace")
    if (subject == "TemplateInterp" or subject == "TemplateControl") and after == "OBrace":
        return True
    if subject == "CBrace" and after == "TemplateSeqEnd":
        return True
    if subject == "TemplateSeqEnd" and (after == "TemplateInterp" or after == "TemplateControl"):
        return False
    if subject in _OPENERS:
        return False
    return after not in _CLOSERS


def _grapheme_kind(char: str) -> str:
    """Classify ``char`` by the grapheme-cluster break property it mostly has."""
    code = ord(char)
    if char == "\r":
        return "CR"
    if char == "\n":
        return "LF"
    if code == 0x200D:
        return "ZWJ"
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "RI"
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    if 0x0600 <= code <= 0x0605 or code in (0x06DD, 0x070F, 0x08E2, 0x0D4E, 0x110BD, 0x110CD):
        return "Prepend"
    if code in (0x0E33, 0x0EB3):
        return "SpacingMark"
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F or code == 0x200C:
        return "Extend"
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return "Extend"
    if category == "Mc":
        return "SpacingMark"
    if category in ("Cc", "Zl", "Zp", "Cf"):
        return "Control"
    if (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2190 <= code <= 0x21FF
        or 0x2300 <= code <= 0x23FF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D)
    ):
        return "Pictographic"
    return "Other"


_HANGUL_JOINS = {
    "L": ("L", "V", "LV", "LVT"),
    "LV": ("V", "T"),
    "V": ("V", "T"),
    "LVT": ("T",),
    "T": ("T",),
}


def _width(text: str) -> int:
    """Return how many columns ``text`` takes: its grapheme clusters (Unicode UAX #29)."""
    if text.isascii():
        return len(text) - text.count("\r\n")
    width = 0
    previous = "Control"
    pictographic_run = False  # inside "Pictographic Extend*", so a ZWJ may join the next one
    joined_by_zwj = False
    regional_count = 0
    for char in text:
        kind = _grapheme_kind(char)
        if previous in ("CR", "LF", "Control") or kind in ("CR", "LF", "Control"):
            joins = previous == "CR" and kind == "LF"
        else:
            joins = (
                kind in ("Extend", "ZWJ", "SpacingMark")
                or previous == "Prepend"
                or kind in _HANGUL_JOINS.get(previous, ())
                or (kind == "Pictographic" and joined_by_zwj)
                or (kind == "RI" and previous == "RI" and regional_count % 2 == 1)
            )
        if not joins:
            width += 1
        joined_by_zwj = kind == "ZWJ" and pictographic_run
        if kind == "Pictographic":
            pictographic_run = True
        elif kind != "Extend":
            pictographic_run = False
        regional_count = regional_count + 1 if kind == "RI" else 0
        previous = kind
    return width


class _Line:
    """Index ranges of one line's cells in the token arrays; an absent cell is ``None``."""

    __slots__ = ("lead_start", "lead_end", "assign_start", "assign_end", "comment")

    def __init__(self, lead_start: int, lead_end: int) -> None:
        self.lead_start = lead_start
        self.lead_end = lead_end
        self.assign_start: int | None = None
        self.assign_end = 0
        self.comment: int | None = None


def format_source(text: str, spans: list[tuple[str, int, int]] | None = None) -> str:
    """Return ``text`` formatted as ``packer fmt`` would write it.

    The text is not validated: like ``packer fmt``, callers should refuse to format
    text that does not parse. Any input is accepted and the result is stable:
    formatting it again returns it unchanged. ``spans``, when given, must be
    ``scan_spans(text)`` (callers that also parse the text scan it only once).
    """
    if spans is None:
        spans = scan_spans(text)
    types = [type_ for type_, _, _ in spans]
    texts = [text[start:end] for _, start, end in spans]
    spaces = []
    last_end = 1 if text.startswith("\ufeff") else 0
    for _, start, end in spans:
        spaces.append(start - last_end)
        last_end = end
    changes = [_BRACKET_CHANGE.get(type_, 0) for type_ in types]
    lines = _split_lines(types, texts, changes)
    _format_indent(lines, types, changes, spaces)
    _format_spaces(lines, types, texts, spaces)
    _format_cells(lines, texts, spaces)
    return "".join(" " * s + t if s else t for s, t in zip(spaces, texts, strict=True))


def _split_lines(types: list[str], texts: list[str], changes: list[int]) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    last = len(types) - 1  # the EOF token belongs to no line
    ends = [
        i for i, type_ in enumerate(types)
        if type_ == "Newline" or (type_ == "Comment" and texts[i].endswith("\n"))
    ]
    for i in ends:
        lines.append(_Line(start, i + 1))
        start = i + 1
    lines.append(_Line(start, last))

    for line in lines:
        lead_start, lead_end = line.lead_start, line.lead_end
        if lead_end - lead_start > 1 and types[lead_end - 1] == "Comment":
            line.comment = lead_end - 1
            lead_end = line.lead_end = lead_end - 1
        if lead_end - lead_start < 2:
            continue
        try:
            i = types.index("Equal", lead_start + 1, lead_end)
        except ValueError:
            continue
        if sum(changes[i:lead_end]) == 0:
            line.assign_start, line.assign_end = i, lead_end
            line.lead_end = i
    return lines


def _format_indent(lines: list[_Line], types: list[str], changes: list[int], spaces: list[int]) -> None:
    indents: list[int] = []
    for line in lines:
        first = line.lead_start
        if first == line.lead_end:
            continue
        if types[first] == "Newline":
            spaces[first] = 0
            continue
        try:  # a heredoc's opening marker ends what counts on its line
            stop = types.index("OHeredoc", first, line.lead_end) + 1
        except ValueError:
            stop = line.lead_end
        net = sum(changes[first:stop])
        if line.assign_start is not None:
            net += sum(changes[line.assign_start:line.assign_end])
        if net > 0:
            spaces[first] = 2 * len(indents)
            indents.append(net)
            continue
        closed = -net
        while closed > 0 and indents:
            if closed > indents[-1]:
                closed -= indents.pop()
            elif closed < indents[-1]:
                indents[-1] -= closed
                closed = 0
            else:
                indents.pop()
                closed = 0
        spaces[first] = 2 * len(indents)


def _space_cell(
    start: int, end: int, types: list[str], texts: list[str], spaces: list[int]
) -> None:
    before = "Nil"
    spacing = _SPACING
    for i in range(start, end - 1):
        subject = types[i]
        after = types[i + 1]
        key = (subject, before, after, texts[i] == "in")
        space = spacing.get(key)
        if space is None:
            space = spacing[key] = 1 if _space_after(subject, texts[i], before, after) else 0
        spaces[i + 1] = space
        before = subject


def _format_spaces(
    lines: list[_Line], types: list[str], texts: list[str], spaces: list[int]
) -> None:
    for line in lines:
        _space_cell(line.lead_start, line.lead_end, types, texts, spaces)
        if line.assign_start is not None:
            spaces[line.assign_start] = 1
            _space_cell(line.assign_start, line.assign_end, types, texts, spaces)


def _columns(start: int, end: int, texts: list[str], spaces: list[int]) -> int:
    return sum(spaces[i] + _width(texts[i]) for i in range(start, end))


def _format_cells(lines: list[_Line], texts: list[str], spaces: list[int]) -> None:
    # Align the "=" of each run of consecutive assignment lines...
    run: list[tuple[_Line, int]] = []
    for line in [*lines, None]:
        if line is not None and line.assign_start is not None:
            run.append((line, _columns(line.lead_start, line.lead_end, texts, spaces)))
            continue
        if run:
            widest = max(columns for _, columns in run)
            for chain_line, columns in run:
                spaces[chain_line.assign_start] = widest - columns + 1
            run = []
    # ...then the trailing comments of each run of consecutive commented lines.
    for line in [*lines, None]:
        if line is not None and line.comment is not None:
            columns = _columns(line.lead_start, line.lead_end, texts, spaces)
            if line.assign_start is not None:
                columns += _columns(line.assign_start, line.assign_end, texts, spaces)
            run.append((line, columns))
            continue
        if run:
            widest = max(columns for _, columns in run)
            for chain_line, columns in run:
                spaces[chain_line.comment] = widest - columns + 1
            run = []

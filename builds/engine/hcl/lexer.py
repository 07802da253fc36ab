"""Tokens of HCL native syntax: a scanner that splits config and template text as hclsyntax does.

The token stream is lossless: every character of the input belongs to exactly one
token, except the spaces and tabs between tokens, which are counted in the next
token's ``spaces_before`` (so a reconstruction from types, texts and
``spaces_before`` alone turns tabs between tokens into spaces; slicing the source
with each token's range gives the exact text back). A leading byte-order mark is
skipped and belongs to no token. Scanning never raises: text it cannot make sense
of becomes ``Invalid`` tokens (or ``QuotedNewline`` inside a quoted string) for the
parser to report.

Token texts follow hclsyntax:

- ``#`` and ``//`` comments include their terminating newline (no ``Newline``
  token follows them); ``/* */`` comments do not.
- Quoted literals keep their escape sequences raw and are split at every ``$`` and
  ``%`` (``"a$b"`` gives ``a``, ``$``, ``b``); ``$${`` and ``%%{`` are literal.
- A heredoc is ``OHeredoc`` (``<<EOT`` or ``<<-EOT`` with its newline), one
  ``StringLit`` per body line (split where ``${``/``%{`` sequences or ``$``/``%``
  occur), then ``CHeredoc`` holding the closing-marker line without its newline,
  followed by a separate ``Newline`` token. The closing marker is only recognised
  on a line that ends with a newline.
"""

from __future__ import annotations

import re

from builds.engine.hcl.diagnostics import Pos, Range

TOKEN_TYPES = frozenset(
    [
        "OBrace",
        "CBrace",
        "OBrack",
        "CBrack",
        "OParen",
        "CParen",
        "OQuote",
        "CQuote",
        "OHeredoc",
        "CHeredoc",
        "Star",
        "Slash",
        "Plus",
        "Minus",
        "Percent",
        "Equal",
        "EqualOp",
        "NotEqual",
        "LessThan",
        "LessThanEq",
        "GreaterThan",
        "GreaterThanEq",
        "And",
        "Or",
        "Bang",
        "Dot",
        "Comma",
        "DoubleColon",
        "Ellipsis",
        "FatArrow",
        "Question",
        "Colon",
        "TemplateInterp",
        "TemplateControl",
        "TemplateSeqEnd",
        "QuotedLit",
        "StringLit",
        "NumberLit",
        "Ident",
        "Comment",
        "Newline",
        "EOF",
        "BitwiseAnd",
        "BitwiseOr",
        "Tilde",
        "BitwiseXor",
        "Apostrophe",
        "Backtick",
        "Semicolon",
        "QuotedNewline",
        "Invalid",
        "BadUTF8",
    ]
)
"""Every value ``Token.type`` can take (``~`` is ``Tilde``; hclsyntax calls it BitwiseNot)."""


class Token:
    """One token: its type name, its exact source text and where it is.

    The position is kept as plain numbers and turned into a :class:`Range` only
    when asked for, since most tokens never need one.
    """

    __slots__ = ("type", "text", "spaces_before", "filename", "line", "column", "offset", "end_line",
                 "end_column", "end_offset", "_range")

    def __init__(self, type: str, text: str, filename: str, line: int, column: int, offset: int,
                 end_line: int, end_column: int, end_offset: int, spaces_before: int = 0):
        self.type = type
        self.text = text
        self.spaces_before = spaces_before
        self.filename = filename
        self.line = line
        self.column = column
        self.offset = offset
        self.end_line = end_line
        self.end_column = end_column
        self.end_offset = end_offset
        self._range: Range | None = None

    @property
    def range(self) -> Range:
        rng = self._range
        if rng is None:
            rng = self._range = Range(self.filename, Pos(self.line, self.column, self.offset),
                                      Pos(self.end_line, self.end_column, self.end_offset))
        return rng

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.text!r}, {self.line}:{self.column})"


_OPERATORS = {
    "[": "OBrack",
    "]": "CBrack",
    "(": "OParen",
    ")": "CParen",
    ".": "Dot",
    ",": "Comma",
    "*": "Star",
    "/": "Slash",
    "%": "Percent",
    "+": "Plus",
    "-": "Minus",
    "=": "Equal",
    "<": "LessThan",
    ">": "GreaterThan",
    "!": "Bang",
    "?": "Question",
    ":": "Colon",
    "&": "BitwiseAnd",
    "|": "BitwiseOr",
    "~": "Tilde",
    "^": "BitwiseXor",
    ";": "Semicolon",
    "`": "Backtick",
    "'": "Apostrophe",
    "==": "EqualOp",
    "!=": "NotEqual",
    ">=": "GreaterThanEq",
    "<=": "LessThanEq",
    "&&": "And",
    "||": "Or",
    "::": "DoubleColon",
    "...": "Ellipsis",
    "=>": "FatArrow",
}

# Alternatives are ordered so that the first one that matches is also the longest
# match the hclsyntax scanner would pick.
_MAIN_RE = re.compile(
    r"""
    (?P<sp>[ \t]*)
    (?:
        (?P<NumberLit>[0-9](?:[0-9]|[eE][+-]?[0-9]|\.+(?=[0-9]|[eE][+-]?[0-9]))*)
      | (?P<Ident>[^\W\d][\w-]*)
      | (?P<Newline>\r?\n)
      | (?P<Comment>\#[^\n]*\n?|//[^\n]*\n?)
      | (?P<Slash>/)
      | (?P<OBrace>\{)
      | (?P<CBrace>\})
      | (?P<OQuote>")
      | (?P<OHeredoc><<-?(?P<marker>[^\W\d][\w-]*)\r?\n)
      | (?P<SeqEnd>~\})
      | (?P<Op>==|!=|>=|<=|&&|\|\||::|\.\.\.|=>|[\[\]().,*/%+\-=<>!?:&|~^;`'])
      | (?P<EOF>\Z)
      | (?P<Invalid>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)

_STRING_RE = re.compile(
    r"""
      (?P<TemplateInterp>\$\{~?)
    | (?P<TemplateControl>%\{~?)
    | (?P<CQuote>")
    | (?P<QuotedLit>\$\$\{~?|%%\{~?|[$%](?=[^{])|(?:\\[^\r\n]|[^$%"\\\r\n])+)
    | (?P<QuotedNewline>[\r\n]+)
    | (?P<Invalid>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_HEREDOC_RE = re.compile(
    r"""
      (?P<TemplateInterp>\$\{~?)
    | (?P<TemplateControl>%\{~?)
    | (?P<Escape>\$\$\{~?|%%\{~?|[$%](?=[^{]))
    | (?P<Line>[^$%\r\n]*\r?\n)
    | (?P<Midline>[^$%\r\n]+)
    """,
    re.VERBOSE,
)

_BARE_RE = re.compile(
    r"""
      (?P<TemplateInterp>\$\{~?)
    | (?P<TemplateControl>%\{~?)
    | (?P<StringLit>(?:\$\$\{~?|%%\{~?|[$%](?=[^{])|[^$%\r\n]*)(?:\r?\n)?)
    """,
    re.VERBOSE,
)

_MAIN, _STRING, _HEREDOC, _BARE = range(4)


class _Scanner:
    """Scanning state for one input; ``run`` returns the token spans."""

    def __init__(self, text: str) -> None:
        self.src = text
        self.spans: list[tuple[str, int, int]] = []
        self.pos = 1 if text.startswith("\ufeff") else 0
        # Mode stack: each entry is [mode] or, for heredocs, [mode, marker, at_line_start].
        self.modes: list[list] = []
        self.braces = 0
        self.ret_braces: list[int] = []
        # Where the next "*/" is (searched lazily; -1 once none is left), so that many
        # unterminated "/*" cannot make scanning quadratic.
        self.comment_close = 0
        # The heredoc frames of ``modes``, innermost last, so entering a sequence finds its heredoc at once.
        self.heredocs: list[list] = []
        self.emit = self.spans.append

    def run(self, mode: int) -> list[tuple[str, int, int]]:
        self.modes.append([mode])
        n = len(self.src)
        while self.pos < n:
            frame = self.modes[-1]
            kind = frame[0]
            if kind == _MAIN:
                self.scan_main()
            elif kind == _STRING:
                self.scan_string()
            elif kind == _HEREDOC:
                self.scan_heredoc(frame)
            else:
                self.scan_bare()
        self.emit(("EOF", n, n))
        return self.spans

    def enter_template_sequence(self, type_: str, start: int, end: int) -> None:
        self.emit((type_, start, end))
        self.braces += 1
        self.ret_braces.append(self.braces)
        if self.heredocs:
            self.heredocs[-1][2] = False
        self.modes.append([_MAIN])
        self.pos = end

    def close_brace(self, start: int, end: int, always_seq_end: bool) -> None:
        if self.ret_braces and self.ret_braces[-1] == self.braces:
            self.emit(("TemplateSeqEnd", start, end))
            self.braces -= 1
            self.ret_braces.pop()
            self.modes.pop()
        else:
            self.emit(("TemplateSeqEnd" if always_seq_end else "CBrace", start, end))
            self.braces -= 1
        self.pos = end

    def scan_main(self) -> None:
        """Scan config-syntax tokens until the mode changes or the input ends."""
        match = _MAIN_RE.match
        src = self.src
        emit = self.emit
        pos = self.pos
        while True:
            m = match(src, pos)
            kind = m.lastgroup
            start = m.end("sp")
            end = m.end()
            if kind == "Ident" or kind == "Newline" or kind == "NumberLit" or kind == "Comment":
                emit((kind, start, end))
            elif kind == "Op":
                emit((_OPERATORS[src[start:end]], start, end))
            elif kind == "OBrace":
                emit(("OBrace", start, end))
                self.braces += 1
            elif kind == "CBrace" or kind == "SeqEnd":
                depth = len(self.modes)
                self.close_brace(start, end, kind == "SeqEnd")
                if len(self.modes) != depth:
                    return
            elif kind == "OQuote":
                emit(("OQuote", start, end))
                self.modes.append([_STRING])
                self.pos = end
                return
            elif kind == "Slash":
                if src.startswith("*", end):
                    close = self.comment_close
                    if 0 <= close < start + 2:
                        close = self.comment_close = src.find("*/", start + 2)
                    if close >= 0:
                        end = close + 2
                        emit(("Comment", start, end))
                        pos = end
                        continue
                emit(("Slash", start, end))
            elif kind == "OHeredoc":
                emit(("OHeredoc", start, end))
                self.modes.append([_HEREDOC, m.group("marker"), True])
                self.heredocs.append(self.modes[-1])
                self.pos = end
                return
            elif kind == "EOF":
                self.pos = end
                return
            else:
                emit(("Invalid", start, end))
            pos = end

    def scan_string(self) -> None:
        """Scan the inside of a quoted string until it closes, opens a sequence or ends."""
        match = _STRING_RE.match
        src = self.src
        n = len(src)
        pos = self.pos
        while pos < n:
            m = match(src, pos)
            kind = m.lastgroup
            end = m.end()
            if kind == "TemplateInterp" or kind == "TemplateControl":
                self.enter_template_sequence(kind, pos, end)
                return
            self.emit((kind, pos, end))
            pos = end
            if kind == "CQuote":
                self.modes.pop()
                break
        self.pos = pos

    def scan_heredoc(self, frame: list) -> None:
        """Scan heredoc body lines until the closing marker, a sequence or the end."""
        match = _HEREDOC_RE.match
        src = self.src
        n = len(src)
        pos = self.pos
        while pos < n:
            m = match(src, pos)
            if m is None:
                # A lone carriage return, or "$" or "%" as the very last character:
                # hclsyntax gives up on the rest of the input.
                self.emit(("Invalid", pos, n))
                pos = n
                break
            kind = m.lastgroup
            end = m.end()
            if kind == "TemplateInterp" or kind == "TemplateControl":
                self.enter_template_sequence(kind, pos, end)
                return
            if kind == "Line":
                if frame[2] and src[pos:end].strip() == frame[1]:
                    newline_start = end - 2 if src[end - 2 : end] == "\r\n" else end - 1
                    self.emit(("CHeredoc", pos, newline_start))
                    self.emit(("Newline", newline_start, end))
                    self.modes.pop()
                    self.heredocs.pop()
                    pos = end
                    break
                frame[2] = True
            else:
                frame[2] = False
            self.emit(("StringLit", pos, end))
            pos = end
        self.pos = pos

    def scan_bare(self) -> None:
        """Scan top-level template text until a sequence opens or the input ends."""
        match = _BARE_RE.match
        src = self.src
        n = len(src)
        pos = self.pos
        while pos < n:
            m = match(src, pos)
            kind = m.lastgroup
            end = m.end()
            if kind == "TemplateInterp" or kind == "TemplateControl":
                self.enter_template_sequence(kind, pos, end)
                return
            if end == pos:
                # A lone carriage return: hclsyntax keeps the rest as literal text.
                end = n
            self.emit(("StringLit", pos, end))
            pos = end
        self.pos = pos


def scan_spans(text: str, template: bool = False) -> list[tuple[str, int, int]]:
    """Return ``(type, start, end)`` character offsets of each token, ending with ``EOF``.

    This is the cheap form of ``scan_config`` (or of ``scan_template`` when
    ``template`` is true) for callers that need no line and column positions.
    """
    return _Scanner(text).run(_BARE if template else _MAIN)


def _tokens(text: str, filename: str, spans: list[tuple[str, int, int]]) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    line = 1
    line_start = last_end = 1 if text.startswith("\ufeff") else 0
    last_line, last_column = 1, last_end + 1 - line_start
    for type_, start, end in spans:
        token_text = text[start:end]
        if start != last_end:
            last_line, last_column = line, start - line_start + 1
        newline_at = token_text.rfind("\n")
        if newline_at >= 0:
            line += token_text.count("\n")
            line_start = start + newline_at + 1
        end_column = end - line_start + 1
        append(Token(type_, token_text, filename, last_line, last_column, start, line, end_column, end,
                     start - last_end))
        last_end = end
        last_line, last_column = line, end_column
    return tokens


def tokens_from_spans(text: str, filename: str, spans: list[tuple[str, int, int]]) -> list[Token]:
    """Return full tokens for spans that :func:`scan_spans` already produced (config mode)."""
    return _tokens(text, filename, spans)


def scan_config(text: str, filename: str = "<input>") -> list[Token]:
    """Return the tokens of ``text`` read as a config file; the last one is always ``EOF``."""
    return _tokens(text, filename, _Scanner(text).run(_MAIN))


def scan_template(text: str, filename: str = "<input>") -> list[Token]:
    """Return the tokens of ``text`` read as a bare template; the last one is always ``EOF``."""
    return _tokens(text, filename, _Scanner(text).run(_BARE))

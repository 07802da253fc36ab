"""A yes/no syntax check of a config file that builds no tree and no positions, for ``fmt``.

:func:`well_formed` walks the scanner's token spans with the parser's grammar
(:mod:`builds.engine.hcl.parser`) and answers whether the parser would report
no error at all: no syntax error, no character the language does not use, no
redefined argument, no invalid escape, nothing nested too deeply. It stops at
the first problem and says only "no"; the parser is then run to say what and
where. Its "yes" must never be wrong; a "no" where the parser finds nothing only
costs a parse, so rarely seen constructs may answer "no" without harm.
"""

from __future__ import annotations

from builds.engine.hcl.grammar import (
    BINARY_LEVELS,
    ESCAPE_RE,
    MAX_NESTING,
    REPORTED_TOKENS,
    escape_error,
)

_LEVEL = {kind: level for level, ops in enumerate(BINARY_LEVELS) for kind in ops}
_DIRECTIVES = frozenset({"if", "else", "endif", "for", "endfor"})

# Token kinds as the check sees them: the scanner's, except that a comment is a "LineComment" when it
# ends its line (it then counts as a newline, as in the parser) and a "Skip" otherwise.
_SKIP_ALWAYS = "Skip"
_NEWLINES = frozenset({"Newline", "LineComment"})
_LOOKAHEAD_SKIPPED = frozenset({"Newline", "LineComment", "Skip"})
# What may follow a value, raw (nothing skipped), for nothing after it to belong to the value's expression:
# in a body, in an object (also after a key) and in a tuple or argument list.
_ENDS_ATTRIBUTE_VALUE = frozenset({"Newline", "LineComment", "EOF", "CBrace"})
_ENDS_OBJECT_ITEM = frozenset({"Newline", "LineComment", "Comma", "CBrace", "Equal", "Colon"})
_ENDS_LIST_ITEM = frozenset({"Comma", "CBrack", "CParen"})


class _Rejected(Exception):
    """Internal: the parser would report an error here."""


def well_formed(text: str, spans: list[tuple[str, int, int]]) -> bool:
    """Return whether :func:`parser.parse` of ``text`` reports no error; ``spans`` is ``scan_spans(text)``.

    A true answer is exact; false means an error, or a construct this check
    leaves to the parser.
    """
    kinds = []
    for kind, _, end in spans:
        if kind == "Comment":
            kind = "LineComment" if text[end - 1] == "\n" else _SKIP_ALWAYS
        elif kind in REPORTED_TOKENS:
            return False
        kinds.append(kind)
    try:
        _Check(text, spans, kinds).body("EOF")
    except (_Rejected, RecursionError):
        return False
    return True


class _Check:
    """The parser's grammar over token kinds, with its newline handling: a stack says whether newlines
    end items here (block bodies, objects) or are skipped (inside brackets and interpolations)."""

    def __init__(self, text: str, spans: list[tuple[str, int, int]], kinds: list[str]) -> None:
        self.text = text
        self.spans = spans
        self.kinds = kinds
        self.i = 0
        self.significant = [True]
        self.depth = 0

    # ------------------------------------------------------------------ token access

    def word(self, index: int) -> str:
        _, start, end = self.spans[index]
        return self.text[start:end]

    def peek(self) -> str:
        """Skip what the parser skips here and return the kind of the next token (the index stays on it)."""
        kinds = self.kinds
        i = self.i
        kind = kinds[i]
        if kind == _SKIP_ALWAYS or (kind in _NEWLINES and not self.significant[-1]):
            significant = self.significant[-1]
            while kind == _SKIP_ALWAYS or (kind in _NEWLINES and not significant):
                i += 1
                kind = kinds[i]
            self.i = i
        return kind

    def take(self) -> int:
        """Consume the next token as the parser's ``next`` does (never past EOF); return its index."""
        self.peek()
        index = self.i
        if self.kinds[index] != "EOF":
            self.i += 1
        return index

    def expect(self, kind: str) -> int:
        if self.peek() != kind:
            raise _Rejected
        return self.take()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _Rejected

    # ------------------------------------------------------------------ bodies

    def body(self, end: str) -> None:
        names: set[str] = set()
        while True:
            kind = self.peek()
            if kind in _NEWLINES:
                self.i += 1
            elif kind == end or kind == "EOF":
                return
            else:
                self.item(names, end)

    def item(self, names: set[str], end: str) -> None:
        if self.peek() != "Ident":
            raise _Rejected
        name = self.word(self.take())
        after = self.peek()
        if after == "Equal":
            self.i += 1
            if not self.plain_value(_ENDS_ATTRIBUTE_VALUE):
                self.expression()
            self.end_of_item(end)
            if name in names:
                raise _Rejected  # "Attribute redefined"
            names.add(name)
        elif after in ("OQuote", "Ident", "OBrace"):
            self.block_rest()
            self.end_of_item(end)
        else:
            raise _Rejected

    def plain_value(self, followers: frozenset[str]) -> bool:
        """Step over the commonest values, a plain quoted string or a single name or number directly
        followed by one of ``followers``, without descending through the expression grammar; return
        whether it was one."""
        kinds = self.kinds
        i = self.i
        kind = kinds[i]
        if kind == "OQuote":
            if kinds[i + 1] == "CQuote":
                length = 2
            elif kinds[i + 1] == "QuotedLit" and kinds[i + 2] == "CQuote" and "\\" not in self.word(i + 1):
                length = 3
            else:
                return False
        elif kind == "Ident" or (kind == "NumberLit" and self.word(i).isdigit()):
            length = 1
        else:
            return False
        if kinds[i + length] not in followers or self.depth >= MAX_NESTING:
            return False
        self.i = i + length
        return True

    def end_of_item(self, end: str) -> None:
        kind = self.peek()
        if kind in _NEWLINES:
            self.i += 1
        elif kind != end and kind != "EOF":
            raise _Rejected

    def block_rest(self) -> None:
        while True:
            kind = self.peek()
            if kind == "Ident":
                self.i += 1
            elif kind == "OQuote":
                self.label()
            elif kind == "OBrace":
                break
            else:
                raise _Rejected
        self.i += 1
        if self.peek() in _NEWLINES:
            self.enter()
            self.body("CBrace")
            self.depth -= 1
            self.expect("CBrace")
            return
        # A single-line block: "{}" or "{ name = value }".
        if self.peek() == "CBrace":
            self.i += 1
            return
        self.expect("Ident")
        self.expect("Equal")
        self.expression()
        self.expect("CBrace")

    def label(self) -> None:
        """A quoted block label: literal text only."""
        self.i += 1
        kinds = self.kinds
        while kinds[self.i] == "QuotedLit":
            self.literal(quoted=True)
        self.expect("CQuote")

    # ------------------------------------------------------------------ expressions

    def expression(self) -> None:
        self.enter()
        self.binary(0)
        if self.peek() == "Question":
            self.i += 1
            self.expression()
            self.expect("Colon")
            self.expression()
        self.depth -= 1

    def binary(self, min_level: int) -> None:
        self.unary()
        while True:
            level = _LEVEL.get(self.peek())
            if level is None or level < min_level:
                return
            self.i += 1
            self.binary(level + 1)

    def unary(self) -> None:
        if self.peek() in ("Minus", "Bang"):
            self.i += 1
            self.enter()
            self.unary()
            self.depth -= 1
            return
        self.primary()
        self.postfix()

    def next_postfix(self) -> str:
        """The token a postfix operator would be: where newlines count, not even a comment is skipped."""
        return self.kinds[self.i] if self.significant[-1] else self.peek()

    def postfix(self) -> None:
        while True:
            kind = self.next_postfix()
            if kind == "Dot":
                self.i += 1
                self.dot_step()
            elif kind == "OBrack":
                self.i += 1
                if self.peek() == "Star":
                    self.i += 1
                    self.expect("CBrack")
                    self.splat(full=True)
                    return
                self.bracketed("CBrack")
            else:
                return

    def bracketed(self, close: str) -> None:
        """An expression, then ``close``, with newlines skipped between them."""
        self.significant.append(False)
        self.expression()
        self.expect(close)
        self.significant.pop()

    def dot_step(self) -> None:
        kind = self.peek()
        if kind == "Ident":
            self.i += 1
        elif kind == "NumberLit":
            if not all(piece.isdigit() for piece in self.word(self.i).split(".")):
                raise _Rejected  # "Invalid legacy index syntax"
            self.i += 1
        elif kind == "Star":
            self.i += 1
            self.splat(full=False)
        else:
            raise _Rejected

    def splat(self, full: bool) -> None:
        while True:
            kind = self.next_postfix()
            if kind == "Dot":
                self.i += 1
                if self.peek() == "Star":
                    raise _Rejected  # a nested splat
                self.dot_step()
            elif kind == "OBrack" and full:
                self.i += 1
                self.bracketed("CBrack")
            else:
                return

    def primary(self) -> None:
        kind = self.peek()
        if kind == "NumberLit":
            if not self.word(self.i).isdigit():
                try:
                    float(self.word(self.i))
                except ValueError:
                    raise _Rejected from None
            self.i += 1
        elif kind == "Ident":
            self.i += 1
            if self.peek() in ("OParen", "DoubleColon"):
                self.function_call()
        elif kind == "OParen":
            self.i += 1
            self.bracketed("CParen")
        elif kind == "OBrack":
            self.tuple_or_for()
        elif kind == "OBrace":
            self.object_or_for()
        elif kind == "OQuote":
            self.i += 1
            self.template("CQuote", quoted=True)
            self.expect("CQuote")
        elif kind == "OHeredoc":
            self.i += 1
            self.template("CHeredoc", quoted=False)
            if self.kinds[self.i] != "CHeredoc":
                raise _Rejected
            self.i += 1
        else:
            raise _Rejected

    def function_call(self) -> None:
        while self.peek() == "DoubleColon":
            self.i += 1
            self.expect("Ident")
        self.take()  # the opening parenthesis
        self.significant.append(False)
        while self.peek() != "CParen":
            if not self.plain_value(_ENDS_LIST_ITEM):
                self.expression()
            kind = self.peek()
            if kind == "Ellipsis":
                self.i += 1
                if self.peek() != "CParen":
                    raise _Rejected
                break
            if kind == "Comma":
                self.i += 1
            elif kind != "CParen":
                raise _Rejected
        self.take()
        self.significant.pop()

    def tuple_or_for(self) -> None:
        self.i += 1
        self.significant.append(False)
        if self.at_for():
            self.for_expr("CBrack")
        else:
            while self.peek() != "CBrack":
                if not self.plain_value(_ENDS_LIST_ITEM):
                    self.expression()
                kind = self.peek()
                if kind == "Comma":
                    self.i += 1
                elif kind != "CBrack":
                    raise _Rejected
            self.i += 1
        self.significant.pop()

    def at_for(self) -> bool:
        if self.peek() != "Ident" or self.word(self.i) != "for":
            return False
        kinds = self.kinds
        j = self.i + 1
        while kinds[j] in _LOOKAHEAD_SKIPPED:
            j += 1
        return kinds[j] == "Ident"

    def object_or_for(self) -> None:
        self.i += 1
        self.significant.append(False)
        if self.at_for():
            self.for_expr("CBrace")
            self.significant.pop()
            return
        self.significant[-1] = True
        while True:
            kind = self.peek()
            if kind in _NEWLINES:
                self.i += 1
                continue
            if kind == "CBrace":
                break
            if kind == "EOF":
                raise _Rejected
            if not self.plain_value(_ENDS_OBJECT_ITEM):
                self.expression()
            if self.peek() not in ("Equal", "Colon"):
                raise _Rejected
            self.i += 1
            if not self.plain_value(_ENDS_OBJECT_ITEM):
                self.expression()
            kind = self.peek()
            if kind == "Comma" or kind in _NEWLINES:
                self.i += 1
            elif kind != "CBrace":
                raise _Rejected
        self.i += 1
        self.significant.pop()

    def for_header(self) -> None:
        """Recognise what follows `for` in an expression or a directive: `k, v in collection`."""
        self.expect("Ident")
        if self.peek() == "Comma":
            self.i += 1
            self.expect("Ident")
        in_word = self.take()
        if self.kinds[in_word] != "Ident" or self.word(in_word) != "in":
            raise _Rejected
        self.expression()

    def for_expr(self, closer: str) -> None:
        self.take()  # for
        self.for_header()
        self.expect("Colon")
        if closer == "CBrace":
            self.expression()
            self.expect("FatArrow")
        self.expression()
        if closer == "CBrace" and self.peek() == "Ellipsis":
            self.i += 1
        if self.peek() == "Ident" and self.word(self.i) == "if":
            self.i += 1
            self.expression()
        self.expect(closer)

    # ------------------------------------------------------------------ templates

    def literal(self, quoted: bool) -> None:
        if quoted:
            text = self.word(self.i)
            if "\\" in text:
                for match in ESCAPE_RE.finditer(text):
                    code = match.group(1)
                    if code is not None and escape_error(code) is not None:
                        raise _Rejected
        self.i += 1

    def template(self, end: str, quoted: bool) -> None:
        """Template parts up to ``end`` (not consumed), with if/for directives properly nested."""
        kinds = self.kinds
        open_directives: list[str] = []
        while True:
            kind = kinds[self.i]
            if kind == end or kind == "EOF":
                break
            if kind == "QuotedLit" or kind == "StringLit":
                self.literal(quoted)
            elif kind == "TemplateInterp":
                self.i += 1
                self.bracketed("TemplateSeqEnd")
            elif kind == "TemplateControl":
                self.i += 1
                self.directive(open_directives)
            elif kind == "Newline" and not quoted:
                self.i += 1
            else:
                raise _Rejected
        if open_directives:
            raise _Rejected

    def directive(self, open_directives: list[str]) -> None:
        self.significant.append(False)
        keyword = self.take()
        word = self.word(keyword)
        if self.kinds[keyword] != "Ident" or word not in _DIRECTIVES:
            raise _Rejected
        if word == "if":
            self.expression()
        elif word == "for":
            self.for_header()
        self.expect("TemplateSeqEnd")
        self.significant.pop()
        if word in ("if", "for"):
            if len(open_directives) >= MAX_NESTING:
                raise _Rejected
            open_directives.append(word)
        elif word == "else":
            if not open_directives or open_directives[-1] != "if":
                raise _Rejected
            open_directives[-1] = "else"
        elif word == "endif":
            if not open_directives or open_directives[-1] not in ("if", "else"):
                raise _Rejected
            open_directives.pop()
        elif word == "endfor":
            if not open_directives or open_directives[-1] != "for":
                raise _Rejected
            open_directives.pop()

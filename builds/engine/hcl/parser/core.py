"""The parser core: the token cursor, nesting limit, bodies, blocks and recovery after an error."""

from __future__ import annotations

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostics, Range, error
from builds.engine.hcl.grammar import MAX_NESTING
from builds.engine.hcl.lexer import Token
from builds.engine.hcl.parser.expressions import ExpressionParsing
from builds.engine.hcl.parser.messages import _Abort, _too_deep
from builds.engine.hcl.parser.templates import TemplateParsing

_SKIPPABLE = frozenset({"Comment", "Newline"})
_LINE_END = frozenset({"Newline", "Comment", "EOF", "CBrace"})
_OPENERS = {"OBrace", "OBrack", "OParen", "OQuote", "OHeredoc", "TemplateInterp", "TemplateControl"}
_CLOSERS = {"CBrace", "CBrack", "CParen", "CQuote", "CHeredoc", "TemplateSeqEnd"}
_OPENER_OF = {"CBrace": "OBrace", "CBrack": "OBrack", "CParen": "OParen", "CQuote": "OQuote",
              "CHeredoc": "OHeredoc", "TemplateSeqEnd": "Template"}


class _Parser(ExpressionParsing, TemplateParsing):
    """A token cursor over one file with bodies, blocks and recovery; expression and template rules are mixed in."""

    def __init__(self, tokens: list[Token], filename: str):
        self.toks = tokens
        self.i = 0
        self.filename = filename
        self.diags = Diagnostics()
        self.newlines: list[bool] = [True]
        self.depth = 0

    def enter(self, where: Range) -> None:
        """Go one nesting level deeper (the caller decrements ``depth`` when done); refuse past the limit."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _Abort(_too_deep(where))

    # ------------------------------------------------------------------ token access

    def _skip(self) -> None:
        toks = self.toks
        significant = self.newlines[-1]
        while True:
            tok = toks[self.i]
            kind = tok.type
            if kind == "Comment":
                if significant and tok.text.endswith("\n"):
                    return
                self.i += 1
            elif kind == "Newline" and not significant:
                self.i += 1
            else:
                return

    def peek(self) -> Token:
        tok = self.toks[self.i]
        if tok.type in _SKIPPABLE:
            self._skip()
            tok = self.toks[self.i]
        return tok

    def next(self) -> Token:
        self._skip()
        tok = self.toks[self.i]
        if tok.type != "EOF":
            self.i += 1
        return tok

    @staticmethod
    def is_newline(tok: Token) -> bool:
        return tok.type == "Newline" or (tok.type == "Comment" and tok.text.endswith("\n"))

    def expect(self, kind: str, summary: str, detail: str) -> Token:
        tok = self.peek()
        if tok.type != kind:
            raise _Abort(error(summary, detail, tok.range))
        return self.next()

    def raw_peek(self) -> Token:
        return self.toks[self.i]

    def _range(self, start: Range, end: Range) -> Range:
        return Range(self.filename, start.start, end.end)

    # ------------------------------------------------------------------ bodies

    def parse_file_body(self) -> ast.Body:
        start = self.toks[0].range
        body = self.body("EOF")
        end = self.peek().range
        body.range = self._range(start, end)
        return body

    def body(self, end: str) -> ast.Body:
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        first = self.peek().range
        while True:
            tok = self.peek()
            if self.is_newline(tok):
                self.next()
                continue
            if tok.type == end:
                break
            if tok.type == "EOF":
                break  # the caller reports the missing brace
            before = self.i
            try:
                self.item(attributes, blocks, end)
            except _Abort as exc:
                self.diags.add(exc.diag)
                self.recover(before)
                if self.i == before:
                    self.i += 1  # a stray closing brace: step over it so parsing always advances
        last = self.peek().range
        return ast.Body(attributes, blocks, self._range(first, last))

    def item(self, attributes: dict[str, ast.Attribute], blocks: list[ast.Block], end: str) -> None:
        tok = self.peek()
        if tok.type != "Ident":
            raise _Abort(error("Argument or block definition required",
                               "An argument or block definition is required here.", tok.range))
        name_tok = self.next()
        after = self.peek()
        if after.type == "Equal":
            self.next()
            attr = self.attribute_rest(name_tok)
            self.end_of_item(end, "Missing newline after argument",
                             "An argument definition must end with a newline.")
            self.add_attribute(attributes, attr)
            return
        if after.type in ("OQuote", "Ident", "OBrace"):
            blocks.append(self.block_rest(name_tok))
            self.end_of_item(end, "Missing newline after block definition",
                             "A block definition must end with a newline.")
            return
        if self.is_newline(after) or after.type == "EOF":
            raise _Abort(error("Invalid block definition",
                               'A block definition must have block content delimited by "{" and "}", '
                               "starting on the same line as the block header.", after.range))
        raise _Abort(error("Argument or block definition required",
                           'An argument or block definition is required here. To set an argument, '
                           'use the equals sign "=" to introduce the argument value.', name_tok.range))

    def add_attribute(self, attributes: dict[str, ast.Attribute], attr: ast.Attribute) -> None:
        prior = attributes.get(attr.name)
        if prior is not None:
            self.diags.error("Attribute redefined",
                             f'The argument "{attr.name}" was already set at {prior.name_range}. '
                             "Each argument may be set only once.", attr.name_range)
            return
        attributes[attr.name] = attr

    def attribute_rest(self, name_tok: Token) -> ast.Attribute:
        expr = self._simple_string() or self.expression()
        return ast.Attribute(name_tok.text, expr, self._range(name_tok.range, expr.range), name_tok.range)

    def _simple_string(self) -> ast.Expr | None:
        """Fast path for the commonest value, a plain quoted string at the end of its line."""
        toks = self.toks
        i = self.i
        if toks[i].type != "OQuote" or toks[i + 1].type != "QuotedLit" or toks[i + 2].type != "CQuote":
            return None
        lit, after = toks[i + 1], toks[i + 3]
        if "\\" in lit.text or "$${" in lit.text or "%%{" in lit.text or after.type not in _LINE_END:
            return None
        if after.type == "Comment" and not after.text.endswith("\n"):
            return None  # a /* comment */ may be followed by an operator
        self.i = i + 3
        return ast.Template(self._range(toks[i].range, toks[i + 2].range), [lit.text])

    def end_of_item(self, end: str, summary: str, detail: str) -> None:
        tok = self.peek()
        if self.is_newline(tok):
            self.next()
        elif tok.type in (end, "EOF"):
            return
        else:
            raise _Abort(error(summary, detail, tok.range))

    def block_rest(self, type_tok: Token) -> ast.Block:
        labels: list[str] = []
        label_ranges: list[Range] = []
        while True:
            tok = self.peek()
            if tok.type == "Ident":
                self.next()
                labels.append(tok.text)
                label_ranges.append(tok.range)
            elif tok.type == "OQuote":
                label, label_range = self.label_string()
                labels.append(label)
                label_ranges.append(label_range)
            elif tok.type == "OBrace":
                break
            elif self.is_newline(tok) or tok.type == "EOF":
                raise _Abort(error("Invalid block definition",
                                   'A block definition must have block content delimited by "{" and "}", '
                                   "starting on the same line as the block header.", tok.range))
            elif tok.type == "Equal":
                raise _Abort(error("Invalid block definition",
                                   'The equals sign "=" indicates an argument definition, and must not be used '
                                   "when defining a block.", tok.range))
            else:
                raise _Abort(error("Invalid block definition",
                                   'Either a quoted string block label or an opening brace ("{") is expected here.',
                                   tok.range))
        open_tok = self.next()
        after = self.peek()
        if self.is_newline(after):
            self.enter(open_tok.range)
            try:
                body = self.body("CBrace")
            finally:
                self.depth -= 1
            close = self.peek()
            if close.type != "CBrace":
                raise _Abort(error("Unclosed configuration block",
                                   "There is no closing brace for this block before the end of the file. "
                                   "This may be caused by incorrect brace nesting elsewhere in this file.",
                                   open_tok.range))
            self.next()
        else:
            body = self.single_line_body(open_tok)
            close = self.toks[self.i - 1]
        return ast.Block(type_tok.text, labels, body, self._range(type_tok.range, close.range),
                         type_tok.range, label_ranges)

    def single_line_body(self, open_tok: Token) -> ast.Body:
        attributes: dict[str, ast.Attribute] = {}
        tok = self.peek()
        if tok.type == "CBrace":
            self.next()
            return ast.Body(attributes, [], self._range(open_tok.range, tok.range))
        if tok.type == "Ident":
            name_tok = self.next()
            if self.peek().type == "Equal":
                self.next()
                attributes[name_tok.text] = self.attribute_rest(name_tok)
                close = self.peek()
                if close.type == "CBrace":
                    self.next()
                    return ast.Body(attributes, [], self._range(open_tok.range, close.range))
                if close.type == "Comma":
                    detail = ("Single-line block syntax can include only one argument definition. To define "
                              "multiple arguments, use the multi-line block syntax with one argument definition "
                              "per line.")
                elif self.is_newline(close):
                    detail = ("An argument definition on the same line as its containing block creates a "
                              "single-line block definition, which must also be closed on the same line. Place the "
                              "block's closing brace immediately after the argument definition.")
                elif close.type == "EOF":
                    raise _Abort(error("Unclosed configuration block",
                                       "There is no closing brace for this block before the end of the file. "
                                       "This may be caused by incorrect brace nesting elsewhere in this file.",
                                       open_tok.range))
                else:
                    detail = ("A single-line block definition must end with a closing brace immediately after its "
                              "single argument definition.")
                raise _Abort(error("Invalid single-argument block definition", detail, close.range))
            if self.peek().type in ("OQuote", "OBrace", "Ident"):
                raise _Abort(error("Argument definition required",
                                   "A single-line block definition can contain only a single argument. If you "
                                   f'meant to define argument "{name_tok.text}", use an equals sign to assign it '
                                   "a value. To define a nested block, place it on a line of its own within its "
                                   "parent block.", self._range(name_tok.range, self.peek().range)))
            raise _Abort(error("Argument or block definition required",
                               'An argument or block definition is required here. To set an argument, use the '
                               'equals sign "=" to introduce the argument value.', name_tok.range))
        raise _Abort(error("Argument or block definition required",
                           "An argument or block definition is required here.", tok.range))

    def label_string(self) -> tuple[str, Range]:
        open_tok = self.next()
        parts = self.template_parts({"CQuote"}, quoted=True)
        close = self.expect("CQuote", "Unterminated template string", "No closing marker was found for the string.")
        rng = self._range(open_tok.range, close.range)
        if not all(isinstance(p, str) for p in parts):
            raise _Abort(error("Invalid string literal",
                               "Template sequences are not allowed in this string. To include a literal "
                               '"$", double it (as "$$") to escape it.', rng))
        return "".join(p for p in parts if isinstance(p, str)), rng

    def recover(self, start: int | None = None) -> None:
        """Skip to the start of the next line at this nesting level after a syntax error.

        Brackets opened since token ``start`` (where the failed item began) are skipped to their close
        first, so the rest of a single-line block or a multi-line object is not read as new items.
        """
        open_brackets: list[str] = []
        for tok in self.toks[self.i if start is None else start:self.i]:
            _track_bracket(open_brackets, tok.type)
        self.newlines.append(True)
        try:
            while True:
                tok = self.raw_peek()
                if tok.type == "EOF":
                    return
                if not open_brackets:
                    if self.is_newline(tok):
                        self.i += 1
                        return
                    if tok.type == "CBrace":
                        return
                elif tok.type == "CBrace" and "OBrace" not in open_brackets:
                    return  # it closes the enclosing block, whose body handles it
                _track_bracket(open_brackets, tok.type)
                self.i += 1
        finally:
            self.newlines.pop()


def _track_bracket(open_brackets: list[str], kind: str) -> None:
    """Update the stack of open brackets for one token; a closer pops back to its own opener."""
    if kind in _OPENERS:
        open_brackets.append("Template" if kind in ("TemplateInterp", "TemplateControl") else kind)
    elif kind in _CLOSERS:
        opener = _OPENER_OF[kind]
        if opener in open_brackets:
            del open_brackets[len(open_brackets) - 1 - open_brackets[::-1].index(opener):]

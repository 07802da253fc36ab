"""A recursive-descent parser for HCL's native syntax, producing the tree in :mod:`ast`.

It follows hclsyntax's grammar and error messages, recovers after an error at
the next line so that one pass reports every syntax problem, and never raises
on user input: problems come back as diagnostics with positions.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager

from builds.engine.gcpause import without_gc
from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostic, Diagnostics, Pos, Range, error
from builds.engine.hcl.lexer import Token, scan_config, scan_template
from builds.engine.hcl.values import number

_BINARY_LEVELS: tuple[dict[str, str], ...] = (
    {"Or": "||"},
    {"And": "&&"},
    {"EqualOp": "==", "NotEqual": "!="},
    {"LessThan": "<", "LessThanEq": "<=", "GreaterThan": ">", "GreaterThanEq": ">="},
    {"Plus": "+", "Minus": "-"},
    {"Star": "*", "Slash": "/", "Percent": "%"},
)
_BINARY_OPS: dict[str, tuple[str, int]] = {
    kind: (op, level) for level, ops in enumerate(_BINARY_LEVELS) for kind, op in ops.items()
}
_SKIPPABLE = frozenset({"Comment", "Newline"})
_LINE_END = frozenset({"Newline", "Comment", "EOF", "CBrace"})
_OPENERS = {"OBrace", "OBrack", "OParen", "OQuote", "OHeredoc", "TemplateInterp", "TemplateControl"}
_CLOSERS = {"CBrace", "CBrack", "CParen", "CQuote", "CHeredoc", "TemplateSeqEnd"}
_OPENER_OF = {"CBrace": "OBrace", "CBrack": "OBrack", "CParen": "OParen", "CQuote": "OQuote",
              "CHeredoc": "OHeredoc", "TemplateSeqEnd": "Template"}
_ESCAPE_RE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
MAX_NESTING = 64
"""How deeply expressions, blocks and template directives may nest before the parser refuses the input."""


class _Abort(Exception):
    """Internal: a syntax error that abandons the current attribute or block."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag


@without_gc
def parse(text: str, filename: str = "<input>", tokens: list[Token] | None = None) -> tuple[ast.File, Diagnostics]:
    """Parse a configuration file; return its tree (possibly partial) and any syntax diagnostics.

    ``tokens``, when given, must be ``scan_config(text, filename)``.
    """
    with _collector_paused():
        parser = _Parser(tokens if tokens is not None else scan_config(text, filename), filename)
        parser.diags.extend(token_diagnostics(parser.toks))
        body = parser.parse_file_body()
    return ast.File(filename, body, text), parser.diags


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is scanned and parsed.

    Tokens and tree nodes hold no reference cycles, so collecting during a parse frees nothing, yet
    its passes over millions of young objects made a 5 MB template parse about four times slower.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_expression(text: str, filename: str = "<expression>") -> tuple[ast.Expr | None, Diagnostics]:
    """Parse a standalone expression (``-var`` values, ``console`` input)."""
    parser = _Parser(scan_config(text, filename), filename)
    parser.diags.extend(token_diagnostics(parser.toks))
    parser.newlines.append(False)
    try:
        expr = parser.expression()
        tok = parser.peek()
        if tok.type != "EOF":
            raise _Abort(error("Extra characters after expression",
                               "An expression was successfully parsed, but extra characters were found after it.",
                               tok.range))
    except _Abort as exc:
        parser.diags.add(exc.diag)
        return None, parser.diags
    return expr, parser.diags


def parse_template(text: str, filename: str = "<template>") -> tuple[ast.Template | None, Diagnostics]:
    """Parse a bare template, such as the file ``templatefile()`` reads."""
    parser = _Parser(scan_template(text, filename), filename)
    parser.diags.extend(token_diagnostics(parser.toks))
    start = parser.toks[0].range
    try:
        parts = parser.template_parts({"EOF"}, quoted=False)
    except _Abort as exc:
        parser.diags.add(exc.diag)
        return None, parser.diags
    end = parser.peek().range
    return ast.Template(start.cover(end), parts, heredoc=True), parser.diags


_BITWISE_HINTS = {"BitwiseAnd": ' Did you mean boolean AND ("&&")?', "BitwiseOr": ' Did you mean boolean OR ("||")?',
                  "Tilde": ' Did you mean boolean NOT ("!")?', "BitwiseXor": ""}
_CURLY_QUOTES = ("\u201c", "\u201d")


def token_diagnostics(tokens: list[Token]) -> Diagnostics:
    """Report characters the language does not use, as hclsyntax does before parsing.

    Bitwise operators (up to four), backticks and single quotes (the opening one of the first two
    pairs), the first semicolon, every newline inside a quoted string and every other stray character.
    """
    diags = Diagnostics()
    counts = {"bitwise": 0, "Backtick": 0, "Apostrophe": 0, "Semicolon": 0}
    for tok in tokens:
        kind = tok.type
        if kind in _BITWISE_HINTS:
            if counts["bitwise"] < 4:
                diags.error("Unsupported operator", "Bitwise operators are not supported." + _BITWISE_HINTS[kind],
                            tok.range)
                counts["bitwise"] += 1
        elif kind in ("Backtick", "Apostrophe"):
            if counts[kind] % 2 == 0:
                diags.error("Invalid character",
                            'The "`" character is not valid. To create a multi-line string, use the "heredoc" '
                            'syntax, like "<<EOT".' if kind == "Backtick" else
                            'Single quotes are not valid. Use double quotes (") to enclose strings.', tok.range)
            if counts[kind] <= 2:
                counts[kind] += 1
        elif kind == "Semicolon":
            if not counts[kind]:
                diags.error("Invalid character", 'The ";" character is not valid. Use newlines to separate '
                            "arguments and blocks, and commas to separate items in collection values.", tok.range)
                counts[kind] += 1
        elif kind == "QuotedNewline":
            diags.error("Invalid multi-line string",
                        "Quoted strings may not be split over multiple lines. To produce a multi-line string, "
                        'either use the \\n escape to represent a newline character or use the "heredoc" '
                        "multi-line template syntax.", tok.range)
        elif kind == "Invalid":
            diags.error("Invalid character",
                        '"Curly quotes" are not valid here. These can sometimes be inadvertently introduced when '
                        'sharing code via documents or discussion forums. It might help to replace the character '
                        'with a "straight quote".' if tok.text in _CURLY_QUOTES else
                        "This character is not used within the language.", tok.range)
    return diags


class _Parser:
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
        lit = toks[i + 1]
        if "\\" in lit.text or "$${" in lit.text or "%%{" in lit.text or toks[i + 3].type not in _LINE_END:
            return None
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

    # ------------------------------------------------------------------ expressions

    def expression(self) -> ast.Expr:
        self.enter(self.peek().range)
        try:
            return self.conditional()
        finally:
            self.depth -= 1

    def conditional(self) -> ast.Expr:
        cond = self.binary(0)
        if self.peek().type != "Question":
            return cond
        self.next()
        true_expr = self.expression()
        self.expect("Colon", "Missing false expression in conditional",
                    "The conditional operator (...?...:...) requires a false expression, delimited by a colon.")
        false_expr = self.expression()
        return ast.Conditional(self._range(cond.range, false_expr.range), cond, true_expr, false_expr)

    def binary(self, min_level: int) -> ast.Expr:
        """Parse operators of precedence ``min_level`` and tighter, left-associative (precedence climbing)."""
        lhs = self.unary()
        while True:
            tok = self.peek()
            entry = _BINARY_OPS.get(tok.type)
            if entry is None or entry[1] < min_level:
                return lhs
            self.next()
            rhs = self.binary(entry[1] + 1)
            lhs = ast.BinaryOp(self._range(lhs.range, rhs.range), entry[0], lhs, rhs)

    def unary(self) -> ast.Expr:
        tok = self.peek()
        if tok.type in ("Minus", "Bang"):
            self.next()
            self.enter(tok.range)
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            if tok.type == "Minus" and isinstance(operand, ast.Literal) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return ast.Literal(self._range(tok.range, operand.range), number(-operand.value))
            return ast.UnaryOp(self._range(tok.range, operand.range), "-" if tok.type == "Minus" else "!", operand)
        return self.postfix(self.primary())

    def postfix(self, expr: ast.Expr) -> ast.Expr:
        while True:
            tok = self.raw_peek() if self.newlines[-1] else self.peek()
            if tok.type == "Dot":
                self.next()
                expr = self.dot_step(expr, tok)
            elif tok.type == "OBrack":
                self.next()
                if self.peek().type == "Star":
                    self.next()
                    close = self.expect("CBrack", "Missing close bracket on splat index",
                                        "The star for a full splat operator must be immediately followed by "
                                        "a closing bracket (\"]\").")
                    return self.splat(expr, close.range, full=True)
                self.newlines.append(False)
                try:
                    key = self.expression()
                    close = self.expect("CBrack", "Missing close bracket on index",
                                        'The index operator must end with a closing bracket ("]").')
                finally:
                    self.newlines.pop()
                expr = ast.Index(self._range(expr.range, close.range), expr, key)
            else:
                return expr

    def dot_step(self, expr: ast.Expr, dot: Token) -> ast.Expr:
        tok = self.peek()
        if tok.type == "Ident":
            self.next()
            return ast.GetAttr(self._range(expr.range, tok.range), expr, tok.text, tok.range)
        if tok.type == "NumberLit":
            self.next()
            for piece in tok.text.split("."):
                if not piece.isdigit():
                    raise _Abort(error("Invalid legacy index syntax",
                                       "When using the legacy index syntax, chaining two indexes together is "
                                       "not permitted. Use the proper index syntax instead, like [1].",
                                       tok.range))
                expr = ast.Index(self._range(expr.range, tok.range), expr, ast.Literal(tok.range, int(piece)))
            return expr
        if tok.type == "Star":
            self.next()
            return self.splat(expr, tok.range, full=False)
        raise _Abort(error("Invalid attribute name", "An attribute name is required after a dot.", tok.range))

    def splat(self, source: ast.Expr, marker: Range, full: bool) -> ast.Expr:
        each: ast.Expr = ast.AnonSymbol(marker)
        end = marker
        while True:
            tok = self.raw_peek() if self.newlines[-1] else self.peek()
            if tok.type == "Dot":
                self.next()
                nxt = self.peek()
                if nxt.type == "Star":
                    break_range = nxt.range
                    raise _Abort(error("Nested splat expression not allowed",
                                       "A splat expression (*) cannot be used inside another attribute-only "
                                       "splat expression.", break_range))
                each = self.dot_step(each, tok)
                end = each.range
            elif tok.type == "OBrack" and full:
                self.next()
                self.newlines.append(False)
                try:
                    key = self.expression()
                    close = self.expect("CBrack", "Missing close bracket on index",
                                        'The index operator must end with a closing bracket ("]").')
                finally:
                    self.newlines.pop()
                each = ast.Index(self._range(each.range, close.range), each, key)
                end = close.range
            else:
                break
        return ast.Splat(self._range(source.range, end), source, each, full)

    def primary(self) -> ast.Expr:
        tok = self.peek()
        kind = tok.type
        if kind == "NumberLit":
            self.next()
            return ast.Literal(tok.range, _number_value(tok))
        if kind == "Ident":
            self.next()
            if self.peek().type in ("OParen", "DoubleColon"):
                return self.function_call(tok)
            if tok.text == "true":
                return ast.Literal(tok.range, True)
            if tok.text == "false":
                return ast.Literal(tok.range, False)
            if tok.text == "null":
                return ast.Literal(tok.range, None)
            return ast.Variable(tok.range, tok.text)
        if kind == "OParen":
            self.next()
            self.newlines.append(False)
            try:
                inner = self.expression()
                close = self.expect("CParen", "Unbalanced parentheses",
                                    "Expected a closing parenthesis to terminate the expression.")
            finally:
                self.newlines.pop()
            return ast.Parens(self._range(tok.range, close.range), inner)
        if kind == "OBrack":
            return self.tuple_or_for()
        if kind == "OBrace":
            return self.object_or_for()
        if kind == "OQuote":
            self.next()
            parts = self.template_parts({"CQuote"}, quoted=True)
            close = self.peek()
            if close.type != "CQuote":
                raise _Abort(error("Unterminated template string", "No closing marker was found for the string.",
                                   tok.range))
            self.next()
            return _template_expr(self._range(tok.range, close.range), parts, heredoc=False)
        if kind == "OHeredoc":
            return self.heredoc()
        if kind == "EOF":
            raise _Abort(error("Missing expression",
                               "Expected the start of an expression, but found the end of the file.", tok.range))
        raise _Abort(error("Invalid expression",
                           "Expected the start of an expression, but found an invalid expression token.",
                           tok.range))

    def function_call(self, name_tok: Token) -> ast.Expr:
        name = name_tok.text
        while self.peek().type == "DoubleColon":
            self.next()
            part = self.expect("Ident", "Missing function name", "Function scope resolution symbol :: must be "
                               "followed by a function name in this scope.")
            name += "::" + part.text
        self.next()  # (
        args: list[ast.Expr] = []
        expand = False
        self.newlines.append(False)
        try:
            while True:
                tok = self.peek()
                if tok.type == "CParen":
                    break
                args.append(self.expression())
                tok = self.peek()
                if tok.type == "Ellipsis":
                    self.next()
                    expand = True
                    tok = self.peek()
                    if tok.type != "CParen":
                        raise _Abort(error("Missing closing parenthesis",
                                           "An expanded function argument (with ...) must be immediately followed "
                                           "by closing parentheses.", tok.range))
                    break
                if tok.type == "Comma":
                    self.next()
                    continue
                if tok.type != "CParen":
                    raise _Abort(error("Missing argument separator",
                                       "A comma is required to separate each function argument from the next.",
                                       tok.range))
            close = self.next()
        finally:
            self.newlines.pop()
        return ast.FunctionCall(self._range(name_tok.range, close.range), name, args, expand, name_tok.range)

    def tuple_or_for(self) -> ast.Expr:
        open_tok = self.next()
        self.newlines.append(False)
        try:
            if self._at_for():
                return self.for_expr(open_tok, "CBrack")
            items: list[ast.Expr] = []
            while True:
                tok = self.peek()
                if tok.type == "CBrack":
                    break
                items.append(self.expression())
                tok = self.peek()
                if tok.type == "Comma":
                    self.next()
                elif tok.type != "CBrack":
                    raise _Abort(error("Missing item separator",
                                       "Expected a comma to mark the beginning of the next item.", tok.range))
            close = self.next()
        finally:
            self.newlines.pop()
        return ast.TupleCons(self._range(open_tok.range, close.range), items)

    def _at_for(self) -> bool:
        tok = self.peek()
        if tok.type != "Ident" or tok.text != "for":
            return False
        j = self.i + 1
        while self.toks[j].type in ("Newline", "Comment"):
            j += 1
        return self.toks[j].type == "Ident"

    def object_or_for(self) -> ast.Expr:
        open_tok = self.next()
        self.newlines.append(False)
        try:
            if self._at_for():
                return self.for_expr(open_tok, "CBrace")
        finally:
            self.newlines.pop()
        items: list[ast.ObjectItem] = []
        self.newlines.append(True)
        try:
            while True:
                tok = self.peek()
                if self.is_newline(tok):
                    self.next()
                    continue
                if tok.type == "CBrace":
                    break
                if tok.type == "EOF":
                    raise _Abort(error("Missing closing brace",
                                       "Expected a closing brace to end the object constructor.", open_tok.range))
                key = self.expression()
                sep = self.peek()
                if sep.type not in ("Equal", "Colon"):
                    raise _Abort(error("Missing key/value separator",
                                       "Expected an equals sign (\"=\") to mark the beginning of the attribute "
                                       "value.", sep.range))
                self.next()
                value = self.expression()
                items.append(ast.ObjectItem(key, value, isinstance(key, ast.Variable)))
                tok = self.peek()
                if tok.type == "Comma" or self.is_newline(tok):
                    self.next()
                elif tok.type != "CBrace":
                    raise _Abort(error("Missing attribute separator",
                                       "Expected a newline or comma to mark the beginning of the next attribute.",
                                       tok.range))
            close = self.next()
        finally:
            self.newlines.pop()
        return ast.ObjectCons(self._range(open_tok.range, close.range), items)

    def for_expr(self, open_tok: Token, closer: str) -> ast.Expr:
        self.next()  # for
        first = self.expect("Ident", "Invalid 'for' expression", "For expression requires variable name after 'for'.")
        key_var: str | None = None
        value_var = first.text
        if self.peek().type == "Comma":
            self.next()
            second = self.expect("Ident", "Invalid 'for' expression",
                                 "For expression requires value variable name after comma.")
            key_var, value_var = first.text, second.text
        in_tok = self.next()
        if in_tok.type != "Ident" or in_tok.text != "in":
            raise _Abort(error("Invalid 'for' expression", "For expression requires the 'in' keyword after its "
                               "name declarations.", in_tok.range))
        coll = self.expression()
        self.expect("Colon", "Invalid 'for' expression",
                    "For expression requires a colon after the collection expression.")
        key_expr: ast.Expr | None = None
        if closer == "CBrace":
            key_expr = self.expression()
            self.expect("FatArrow", "Invalid 'for' expression",
                        "Key expression in 'for' expression must be followed by an arrow operator.")
        value_expr = self.expression()
        group = False
        if closer == "CBrace" and self.peek().type == "Ellipsis":
            self.next()
            group = True
        cond: ast.Expr | None = None
        tok = self.peek()
        if tok.type == "Ident" and tok.text == "if":
            self.next()
            cond = self.expression()
        close = self.peek()
        if close.type != closer:
            raise _Abort(error("Invalid 'for' expression", "Extra characters after the end of the 'for' expression.",
                               close.range))
        self.next()
        return ast.ForExpr(self._range(open_tok.range, close.range), key_var, value_var, coll, key_expr,
                           value_expr, cond, group)

    # ------------------------------------------------------------------ templates

    def heredoc(self) -> ast.Expr:
        open_tok = self.next()
        flush = open_tok.text.startswith("<<-")
        start_index = self.i
        parts = self.template_parts({"CHeredoc", "EOF"}, quoted=False, heredoc_tokens=True)
        close = self.raw_peek()
        if close.type != "CHeredoc":
            raise _Abort(error("Unterminated template string",
                               "No closing marker was found for the heredoc.", open_tok.range))
        self.i += 1
        if flush:
            parts = _flush_heredoc(self.toks[start_index:self.i - 1], parts)
        return _template_expr(self._range(open_tok.range, close.range), parts, heredoc=True)

    def template_parts(self, ends: set[str], quoted: bool, heredoc_tokens: bool = False) -> list[ast.TemplatePart]:
        """Parse template tokens up to (not including) one of ``ends`` into literal/interpolation/directive parts."""
        items: list[tuple] = []
        while True:
            tok = self.raw_peek()
            kind = tok.type
            if kind in ends or kind == "EOF":
                break
            if kind in ("QuotedLit", "StringLit"):
                self.i += 1
                items.append(("lit", _unescape(tok, quoted, self.diags)))
            elif kind == "TemplateInterp":
                self.i += 1
                self.newlines.append(False)
                try:
                    expr = self.expression()
                    end_tok = self.peek()
                    if end_tok.type != "TemplateSeqEnd":
                        raise _Abort(_unclosed_interpolation(tok, end_tok, quoted))
                    self.next()
                finally:
                    self.newlines.pop()
                items.append(("interp", expr, tok.text.endswith("~"), end_tok.text.startswith("~"), tok.range))
            elif kind == "TemplateControl":
                self.i += 1
                items.append(self.directive(tok))
            elif kind in ("QuotedNewline",) and quoted:
                raise _Abort(error("Unterminated template string", "No closing marker was found for the string.",
                                   tok.range))
            elif kind == "Newline" and not quoted:
                self.i += 1
                items.append(("lit", tok.text))
            else:
                if quoted:
                    raise _Abort(error("Unterminated template string",
                                       "No closing marker was found for the string.", tok.range))
                raise _Abort(error("Invalid template", "Unexpected token in template.", tok.range))
        return _build_template(items, self.filename)

    def directive(self, open_tok: Token) -> tuple:
        strip_left = open_tok.text.endswith("~")
        self.newlines.append(False)
        try:
            word = self.next()
            if word.type != "Ident" or word.text not in ("if", "else", "endif", "for", "endfor"):
                raise _Abort(error("Invalid template directive",
                                   "A template directive keyword (\"if\", \"for\", etc) is expected at the "
                                   "beginning of a %{ sequence.", word.range))
            payload: tuple = ()
            if word.text == "if":
                payload = (self.expression(),)
            elif word.text == "for":
                first = self.expect("Ident", "Invalid 'for' directive",
                                    "For directive requires variable name after 'for'.")
                key_var, value_var = None, first.text
                if self.peek().type == "Comma":
                    self.next()
                    second = self.expect("Ident", "Invalid 'for' directive",
                                         "For directive requires value variable name after comma.")
                    key_var, value_var = first.text, second.text
                in_tok = self.next()
                if in_tok.type != "Ident" or in_tok.text != "in":
                    raise _Abort(error("Invalid 'for' directive",
                                       "For directive requires 'in' keyword after names.", in_tok.range))
                payload = (key_var, value_var, self.expression())
            end_tok = self.expect("TemplateSeqEnd", f"Extra characters in {word.text} marker",
                                  "Expected a closing brace to end the sequence, but found extra characters.")
        finally:
            self.newlines.pop()
        return (word.text, strip_left, end_tok.text.startswith("~"), open_tok.range, *payload)


def _track_bracket(open_brackets: list[str], kind: str) -> None:
    """Update the stack of open brackets for one token; a closer pops back to its own opener."""
    if kind in _OPENERS:
        open_brackets.append("Template" if kind in ("TemplateInterp", "TemplateControl") else kind)
    elif kind in _CLOSERS:
        opener = _OPENER_OF[kind]
        if opener in open_brackets:
            del open_brackets[len(open_brackets) - 1 - open_brackets[::-1].index(opener):]


def _too_deep(where: Range) -> Diagnostic:
    return error("Too deeply nested",
                 f"Expressions, blocks and template directives may nest at most {MAX_NESTING} levels deep, and "
                 "this goes deeper. Split the value into smaller pieces, for example with locals.", where)


def _unclosed_interpolation(open_tok: Token, found: Token, quoted: bool) -> Diagnostic:
    """The error for a ``${`` sequence that an expression followed by something other than ``}`` ends."""
    escape = 'escape it by starting with "$${" instead of just "${".'
    if found.type == "EOF":
        return error("Unclosed template interpolation sequence",
                     "There is no closing brace for this interpolation sequence before the end of the file. This "
                     "might be caused by incorrect nesting inside the given expression.", open_tok.range)
    if quoted and found.type in ("CQuote", "OQuote"):
        return error("Unclosed template interpolation sequence",
                     "There is no closing brace for this interpolation sequence before the end of the quoted "
                     "template. This might be caused by incorrect nesting inside the given expression.",
                     open_tok.range)
    if found.type == "Colon":
        return error("Extra characters after interpolation expression",
                     "Template interpolation doesn't expect a colon at this location. Did you intend this to be a "
                     "literal sequence to be processed as part of another language? If so, you can " + escape,
                     found.range)
    return error("Extra characters after interpolation expression",
                 "Expected a closing brace to end the interpolation expression, but found extra characters.\n\n"
                 "This can happen when you include interpolation syntax for another language, such as shell "
                 "scripting, but forget to escape the interpolation start token. If this is an embedded sequence "
                 "for another language, " + escape, found.range)


def _number_value(tok: Token) -> int | float:
    text = tok.text
    if text.isdigit():
        try:
            return int(text)
        except ValueError:  # more digits than Python converts; no float holds such a number either
            return math.inf
    return number(float(text))


def _unescape(tok: Token, quoted: bool, diags: Diagnostics) -> str:
    text = tok.text
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text

    def replace(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        if not quoted:
            return whole
        code = match.group(1)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        if code[0] in "uU" and len(code) > 1:
            point = int(code[1:], 16)
            if 0xD800 <= point <= 0xDFFF or point > 0x10FFFF:
                diags.error("Invalid escape sequence", f"Cannot encode character U+{point:04x} in UTF-8.", tok.range)
                return "\ufffd"
            return chr(point)
        diags.error("Invalid escape sequence",
                    f"The symbol \"{code[0]}\" is not a valid escape sequence selector.", tok.range)
        return code

    return _ESCAPE_RE.sub(replace, text)


def _template_expr(rng: Range, parts: list[ast.TemplatePart], heredoc: bool) -> ast.Expr:
    if len(parts) == 1 and isinstance(parts[0], ast.Expr):
        return ast.TemplateWrap(rng, parts[0])
    return ast.Template(rng, parts, heredoc)


def _build_template(items: list[tuple], filename: str) -> list[ast.TemplatePart]:
    """Apply strip markers, then nest if/for directives into a tree of template parts."""
    # strip markers: "${~" trims whitespace before, "~}" trims whitespace after
    for idx, item in enumerate(items):
        if item[0] == "lit":
            continue
        strip_left, strip_right = (item[2], item[3]) if item[0] == "interp" else (item[1], item[2])
        if strip_left and idx > 0 and items[idx - 1][0] == "lit":
            items[idx - 1] = ("lit", items[idx - 1][1].rstrip())
        if strip_right and idx + 1 < len(items) and items[idx + 1][0] == "lit":
            items[idx + 1] = ("lit", items[idx + 1][1].lstrip())

    root: list[ast.TemplatePart] = []
    stack: list[tuple[str, object, list[ast.TemplatePart]]] = [("root", None, root)]
    for item in items:
        kind = item[0]
        target = stack[-1][2]
        if kind == "lit":
            if item[1]:
                if target and isinstance(target[-1], str):
                    target[-1] += item[1]
                else:
                    target.append(item[1])
        elif kind == "interp":
            target.append(item[1])
        elif kind == "if":
            if len(stack) > MAX_NESTING:
                raise _Abort(_too_deep(item[3]))
            node = ast.TemplateIf(item[4], [], [], item[3])
            target.append(node)
            stack.append(("if", node, node.then_parts))
        elif kind == "else":
            if stack[-1][0] != "if":
                raise _Abort(error("Unexpected \"else\" directive",
                                   "An \"else\" directive is allowed only inside an \"if\" directive.", item[3]))
            node = stack[-1][1]
            stack[-1] = ("else", node, node.else_parts)
        elif kind == "endif":
            if stack[-1][0] not in ("if", "else"):
                raise _Abort(error("Unexpected \"endif\" directive",
                                   "This \"endif\" has no matching \"if\".", item[3]))
            stack.pop()
        elif kind == "for":
            if len(stack) > MAX_NESTING:
                raise _Abort(_too_deep(item[3]))
            node = ast.TemplateFor(item[4], item[5], item[6], [], item[3])
            target.append(node)
            stack.append(("for", node, node.parts))
        elif kind == "endfor":
            if stack[-1][0] != "for":
                raise _Abort(error("Unexpected \"endfor\" directive",
                                   "This \"endfor\" has no matching \"for\".", item[3]))
            stack.pop()
    if len(stack) > 1:
        kind, node, _ = stack[-1]
        opener = "if" if kind in ("if", "else") else "for"
        raise _Abort(error(f"Unterminated template {opener} directive",
                           f"There is no end{opener} directive for this {opener}.", node.range))
    return root


def _flush_heredoc(tokens: list[Token], parts: list[ast.TemplatePart]) -> list[ast.TemplatePart]:
    """Remove the common leading whitespace of a ``<<-`` heredoc's lines from its literal parts.

    As in hclsyntax, a line that starts with an interpolation or directive has no indentation, the spaces
    before a sequence count, and lines holding only whitespace are neither counted nor changed.
    """
    indents: list[int] = []
    at_line_start = True
    for tok in tokens:
        if at_line_start and tok.type == "StringLit":
            body = tok.text.lstrip()
            if body or not tok.text.endswith("\n"):
                indents.append(len(tok.text) - len(body))
        elif at_line_start and tok.type in ("TemplateInterp", "TemplateControl"):
            indents.append(0)
        if tok.type in ("StringLit", "Newline"):
            at_line_start = tok.text.endswith("\n")
        elif tok.type in ("TemplateInterp", "TemplateControl"):
            at_line_start = False
    if not indents:
        return parts
    indent = min(indents)
    if indent == 0:
        return parts
    space = r"[^\S\n]"
    prefix_re = re.compile(rf"(^|\n)(?!{space}*\n){space}{{0,{indent}}}")
    inner_re = re.compile(rf"\n(?!{space}*\n){space}{{0,{indent}}}")

    def strip(part: ast.TemplatePart, first: bool) -> ast.TemplatePart:
        if isinstance(part, str):
            text = prefix_re.sub(lambda m: m.group(1), part) if first else \
                inner_re.sub("\n", part)
            return text
        if isinstance(part, ast.TemplateIf):
            part.then_parts = [strip(p, False) for p in part.then_parts]
            part.else_parts = [strip(p, False) for p in part.else_parts]
        elif isinstance(part, ast.TemplateFor):
            part.parts = [strip(p, False) for p in part.parts]
        return part

    return [strip(p, i == 0) for i, p in enumerate(parts)]


__all__ = ["parse", "parse_expression", "parse_template", "Pos"]

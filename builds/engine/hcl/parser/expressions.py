"""Expression parsing: precedence climbing, traversals, splats, calls, collections and for expressions."""

from __future__ import annotations

import math

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Range, error
from builds.engine.hcl.grammar import BINARY_LEVELS
from builds.engine.hcl.lexer import Token
from builds.engine.hcl.parser.messages import _Abort
from builds.engine.hcl.parser.templates import _template_expr
from builds.engine.hcl.values import UNKNOWN, number

_BINARY_OPS: dict[str, tuple[str, int]] = {
    kind: (op, level) for level, ops in enumerate(BINARY_LEVELS) for kind, op in ops.items()
}


class ExpressionParsing:
    """The parser's expression rules, mixed into :class:`~builds.engine.hcl.parser.core._Parser`."""

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
                expr, _ = self.index_rest(expr)
            else:
                return expr

    def index_rest(self, target: ast.Expr) -> tuple[ast.Index, Range]:
        """Parse `key]` after an index's open bracket; return the Index of `target` and the close bracket's range."""
        self.newlines.append(False)
        try:
            key = self.expression()
            close = self.expect("CBrack", "Missing close bracket on index",
                                'The index operator must end with a closing bracket ("]").')
        finally:
            self.newlines.pop()
        return ast.Index(self._range(target.range, close.range), target, key), close.range

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
                each, end = self.index_rest(each)
            else:
                break
        return ast.Splat(self._range(source.range, end), source, each, full)

    def primary(self) -> ast.Expr:
        tok = self.peek()
        kind = tok.type
        if kind == "NumberLit":
            self.next()
            try:
                return ast.Literal(tok.range, _number_value(tok))
            except ValueError:  # e.g. 1.2.3: scanned as one number, as HCL does, but not one
                self.diags.error("Invalid number literal", "Failed to recognize the value of this number literal.",
                                 tok.range)
                return ast.Literal(tok.range, UNKNOWN)
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


def _number_value(tok: Token) -> int | float:
    """Return the value of a number literal; raise ValueError when its text is not a number."""
    text = tok.text
    if text.isdigit():
        try:
            return int(text)
        except ValueError:  # more digits than Python converts; no float holds such a number either
            return math.inf
    return number(float(text))

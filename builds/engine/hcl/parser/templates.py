"""Template parsing: quoted strings, heredocs, interpolations and %{if}/%{for} directives."""

from __future__ import annotations

import re

from builds.engine.hcl import ast
from builds.engine.hcl.diagnostics import Diagnostics, Range, error
from builds.engine.hcl.grammar import ESCAPE_RE, MAX_NESTING, SIMPLE_ESCAPES, escape_error
from builds.engine.hcl.lexer import Token
from builds.engine.hcl.parser.messages import _Abort, _too_deep, _unclosed_interpolation


class TemplateParsing:
    """The parser's template rules, mixed into :class:`~builds.engine.hcl.parser.core._Parser`."""

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
        problem = escape_error(code)
        if problem is not None:
            diags.error("Invalid escape sequence", problem, tok.range)
            return "\ufffd" if code[0] in "uU" and len(code) > 1 else code
        if code in SIMPLE_ESCAPES:
            return SIMPLE_ESCAPES[code]
        return chr(int(code[1:], 16))

    return ESCAPE_RE.sub(replace, text)


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

"""The parser's diagnostics: hclsyntax's messages for stray characters, deep nesting and unclosed sequences."""

from __future__ import annotations

from builds.engine.hcl.diagnostics import Diagnostic, Diagnostics, Range, error
from builds.engine.hcl.grammar import MAX_NESTING
from builds.engine.hcl.lexer import Token


class _Abort(Exception):
    """Internal: a syntax error that abandons the current attribute or block."""

    def __init__(self, diag: Diagnostic):
        self.diag = diag



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

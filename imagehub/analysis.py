"""The engine's reading of a file set for the dashboard: validation, the parsed summary and formatting.

Templates in the catalog have no directory of their own. They are loaded
from their texts with `path.root` at TEMPLATE_ROOT, a directory that does not
exist, and without the server's `PKR_VAR_*` environment. What the dashboard
shows of the evaluation is kept free of the server's environment and files:
a default that calls `env()` and every local are shown as the expressions
written in the template, not as their values.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builds.engine.commands.console import format_value, go_quote
from builds.engine.commands.inspect import summarize
from builds.engine.gcpause import paused_gc
from builds.engine.hcl import ast
from builds.engine.hcl.config import Config, load_config_from_texts
from builds.engine.hcl.diagnostics import Diagnostic, Range
from builds.engine.hcl.fmt import format_source
from builds.engine.hcl.lexer import scan_spans, tokens_from_spans
from builds.engine.hcl.parser import parse
from builds.engine.hcl.validate import validate

TEMPLATE_ROOT = Path("/nonexistent/imagehub-template")
MAX_DIAGNOSTICS = 200
MAX_EXPRESSION_TEXT = 300
FORMATTABLE_SUFFIXES = (".pkr.hcl", ".pkrvars.hcl")


@dataclass(frozen=True)
class Check:
    """What validating a file set found: diagnostics as data, their counts, and the parsed summary."""

    diagnostics: list[dict[str, Any]]
    error_count: int
    warning_count: int
    summary: dict[str, Any] | None

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


def load(files: Mapping[str, str], var_files: tuple[str, ...] = ()) -> Config:
    """Return the engine's config of `files` (with `var_files` among them applied); never raises."""
    return load_config_from_texts(files, root=TEMPLATE_ROOT, env={}, var_files=var_files)


def check(files: Mapping[str, str]) -> Check:
    """Validate `files` as one template; return every diagnostic (at most MAX_DIAGNOSTICS) and the summary.

    A variable without a default is not a problem here, unlike in `packer
    validate`: its value is given when a build starts (the summary marks it
    required). The cyclic garbage collector is paused throughout, not only
    while loading: a collection between the steps would walk the whole parsed
    tree, which reference counting frees anyway once the check returns.
    """
    with paused_gc():
        config = load(files)
        found = [d for d in validate(config) if not _is_unset_variable(d)]
        ordered = sorted(found, key=_position)
        summary = describe(config) if config.template is not None and config.context is not None else None
    return Check(
        diagnostics=[diagnostic_data(d) for d in ordered[:MAX_DIAGNOSTICS]],
        error_count=sum(1 for d in found if d.is_error),
        warning_count=sum(1 for d in found if not d.is_error),
        summary=summary,
    )


def _is_unset_variable(diagnostic: Diagnostic) -> bool:
    name = diagnostic.context.removeprefix('variable "').removesuffix('"')
    return diagnostic.summary == f'Unset variable "{name}"'


def _position(diagnostic: Diagnostic) -> tuple:
    subject = diagnostic.subject
    if subject is None:
        return ("", 0, 0)
    return (subject.filename, subject.start.line, subject.start.column)


def diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    """Return a diagnostic as JSON-ready data: severity, summary, detail, context and range when known."""
    data = diagnostic.to_dict()
    data["context"] = diagnostic.context
    return data


def describe(config: Config) -> dict[str, Any]:
    """Return the inspect summary of a loaded config, safe to show to anyone who may read the template.

    Sensitive variables are masked (as inspect masks them); a variable whose
    default calls env() shows that expression; locals show their expressions.
    """
    data = summarize(config)
    template, texts = config.template, config.texts
    for variable in data["variables"]:
        decl = template.variables[variable["name"]]
        variable["required"] = decl.default is None
        variable["from_environment"] = uses_environment(decl.default)
        if decl.sensitive:
            continue
        if variable["from_environment"]:
            variable["value"] = expression_text(decl.default, texts)
        elif variable["required"]:
            variable["value"] = ""
        else:
            variable["value"] = display_value(config.context.variables[decl.name].value)
    for local in data["locals"]:
        local["value"] = expression_text(template.locals[local["name"]].expr, texts)
    data["required_plugins"] = {
        name: {key: str(value) for key, value in plugin.items()}
        for name, plugin in data["required_plugins"].items()
    }
    return data


def display_value(value: Any) -> str:
    """Return a value as the dashboard shows it: strings quoted, collections as the console prints them."""
    if isinstance(value, str):
        return go_quote(value)
    return format_value(value)


def uses_environment(expr: ast.Expr | None) -> bool:
    """Return whether `expr` calls env(), whose value depends on the machine evaluating it."""
    if expr is None:
        return False
    return any(isinstance(node, ast.FunctionCall) and node.name == "env" for node in ast.walk(expr))


def expression_text(expr: ast.Expr, texts: Mapping[str, str]) -> str:
    """Return the source text of `expr`, shortened to MAX_EXPRESSION_TEXT characters."""
    text = source_text(expr.range, texts)
    if len(text) > MAX_EXPRESSION_TEXT:
        text = text[: MAX_EXPRESSION_TEXT - 1] + "…"
    return text


def source_text(where: Range, texts: Mapping[str, str]) -> str:
    """Return the text `where` spans, or an empty string when its file is unknown."""
    text = texts.get(where.filename, "")
    return text[where.start.byte : where.end.byte]


@dataclass(frozen=True)
class Formatted:
    """The result of formatting one file: its canonical text, or why it could not be formatted."""

    text: str | None
    changed: bool
    diagnostics: list[dict[str, Any]]
    message: str = ""


def format_file(name: str, text: str) -> Formatted:
    """Format `text` as `packer fmt` does; a file that does not parse is returned with its syntax errors.

    Only `.pkr.hcl` and `.pkrvars.hcl` files are formatted, as with `packer fmt`.
    """
    if not name.endswith(FORMATTABLE_SUFFIXES):
        return Formatted(None, False, [], f"{name} is not formatted: only .pkr.hcl and .pkrvars.hcl files are.")
    spans = scan_spans(text)
    _, diagnostics = parse(text, name, tokens_from_spans(text, name, spans))
    if diagnostics.has_errors:
        errors = [diagnostic_data(d) for d in diagnostics.errors[:MAX_DIAGNOSTICS]]
        return Formatted(None, False, errors, f"{name} has syntax errors; fix them to format it.")
    formatted = format_source(text, spans)
    return Formatted(formatted, formatted != text, [])

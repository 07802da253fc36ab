"""``imagehub console``: evaluate expressions against a loaded template, like ``packer console``."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from builds.engine.commands.common import add_variable_flags, cli_vars, print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "creates a console for testing variable interpolation"

USAGE = """Usage: imagehub console [options] [TEMPLATE]

  Creates a console for testing variable interpolation. If a template is
  provided, its variables and locals are available; otherwise only functions
  and literals are. Each line read is one expression; "exit" or end of input
  quits.

Options:
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         HCL2 file containing user variables, can be used multiple times.
"""


def run(args: list[str], stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None) -> int:
    flags = FlagSet("console", USAGE)
    add_variable_flags(flags)
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) > 1:
        return flags.usage_error(stdout)

    from pathlib import Path

    from builds.engine.hcl.config import load_config
    from builds.engine.hcl.context import Context
    from builds.engine.hcl.template import Template
    from builds.engine.registry import PACKER_CORE_VERSION

    if positional:
        config = load_config(positional[0], var_files=values["var-file"], cli_vars=cli_vars(values))
        if config.context is None:
            print_diagnostics(config.diagnostics, config.texts, stdout)
            return 1
        context = config.context
    else:
        context = Context(Template(root=Path.cwd()), {}, cwd=Path.cwd(), packer_version=PACKER_CORE_VERSION)
    return repl(context, stdin or sys.stdin, stdout)


def repl(context, stdin: TextIO, stdout: TextIO) -> int:
    """Read expressions line by line, print each value or diagnostic; 1 if any failed without a terminal."""
    from builds.engine.hcl.diagnostics import render
    from builds.engine.hcl.evaluate import EvalError
    from builds.engine.hcl.parser import parse_expression

    interactive = stdin.isatty()
    failed = False
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text == "exit":
            break
        expr, diags = parse_expression(text, "<console-input>")
        if expr is None or diags.has_errors:
            for diag in diags:
                stdout.write(render(diag, {"<console-input>": text}) + "\n")
            failed = True
            continue
        try:
            value = context.eval(expr)
        except EvalError as exc:
            stdout.write(render(exc.diag, {"<console-input>": text}) + "\n")
            failed = True
            continue
        stdout.write(format_value(value) + "\n")
    return 1 if failed and not interactive else 0


def format_value(value: Any, indent: int = 0) -> str:
    """Format a value as HCL source, the way the console shows results."""
    from builds.engine.hcl.values import UNKNOWN, format_number

    pad = "  " * (indent + 1)
    if value is UNKNOWN:
        return "(known after build)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, str):
        if "\n" in value.rstrip("\n") and not value.startswith(" "):
            body = value if value.endswith("\n") else value + "\n"
            return "<<EOT\n" + body + "EOT"
        return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "".join(f"{pad}{format_value(v, indent + 1)},\n" for v in value)
        return "[\n" + items + "  " * indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        width = max(len(_key(k)) for k in value)
        items = "".join(f"{pad}{_key(k):<{width}} = {format_value(v, indent + 1)}\n" for k, v in value.items())
        return "{\n" + items + "  " * indent + "}"
    return repr(value)


def _key(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else json.dumps(key)

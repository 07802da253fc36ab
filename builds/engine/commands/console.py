"""``imagehub console``: evaluate expressions against a loaded template, like ``packer console``."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from builds.engine.commands.common import add_variable_flags, cli_vars, print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "creates a console for testing variable interpolation"

USAGE = """Usage: imagehub console [options] [TEMPLATE]

  Creates a console for testing variable interpolation. If a template is
  provided, its variables and locals are available; otherwise only functions
  and literals are. Each line read is one expression; "help" explains the
  console, "variables" prints every variable and local with its value, and
  "exit" or end of input quits. When input is piped, only the value of the
  last line is printed.

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
    return repl(context, stdin or sys.stdin, stdout, sensitive_strings(context))


# What "help" prints, as packer's console prints it in HCL2 mode.
HELP = """Packer console HCL2 Mode.
The Packer console allows you to experiment with Packer interpolations.
You may access variables and functions in the Packer config you called the
console with.

Type in the interpolation to test and hit <enter> to see the result.

"upper(var.foo.id)" would evaluate to the ID of "foo" and uppercase is, if it
exists in your config file.

"variables" will dump all available variables and their values.

To exit the console, type "exit" and hit <enter>, or use Control-C.

/!\\ It is not possible to use go templating interpolation like "{{timestamp}}"
with in HCL2 mode."""


def variables_text(context) -> str:
    """What "variables" prints (and inspect, masked): each input variable, then each local, by name, with its
    value as the console prints it, quoted; a value not known yet, such as a variable nobody set, is
    ``<unknown>``. Strings are left for `mask`; a sensitive value holding numbers or bools, which masking
    strings would leave in clear (as Packer prints them), is ``"<sensitive>"`` whole. A local that cannot be
    evaluated is left out, as Packer does."""
    from builds.engine.hcl.values import UNKNOWN

    def shown(value: Any, sensitive: bool) -> str:
        return '"<sensitive>"' if sensitive and _has_number_or_bool(value) else go_quote(format_value(value))

    out = ["> input-variables:\n\n"]
    for name, decl in sorted(context.template.variables.items()):
        value = context.variables[name].value if name in context.variables else UNKNOWN
        out.append(f"var.{name}: {shown(value, decl.sensitive)}\n")
    out.append("\n> local-variables:\n\n")
    for name, decl in sorted(context.template.locals.items()):
        if name not in context.local_errors:
            out.append(f"local.{name}: {shown(context.local_values.get(name, UNKNOWN), decl.sensitive)}\n")
    return "".join(out)


def _has_number_or_bool(value: Any) -> bool:
    """Whether `value` is or holds a number or a bool."""
    if isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, list):
        return any(_has_number_or_bool(item) for item in value)
    if isinstance(value, dict):
        return any(_has_number_or_bool(item) for item in value.values())
    return False


def sensitive_strings(context) -> list[str]:
    """Return the non-empty strings inside the values of the sensitive variables and locals of ``context``."""
    from builds.engine.hcl.evaluate import EvalError

    values = [context.variables[name].value for name, decl in context.template.variables.items()
              if decl.sensitive and name in context.variables]
    for name, decl in context.template.locals.items():
        if decl.sensitive:
            try:
                values.append(context.local_value(name))
            except EvalError:
                continue  # the console reports the error if the local is used
    out: list[str] = []
    while values:
        value = values.pop()
        if isinstance(value, str) and value:
            out.append(value)
        elif isinstance(value, list):
            values.extend(value)
        elif isinstance(value, dict):
            values.extend(value.values())
    return sorted(set(out), key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    """Replace every occurrence of each of ``secrets`` in ``text`` by ``<sensitive>``.

    Like packer 1.6.6, the console filters its output as text: ``var.pw`` prints ``<sensitive>``,
    ``"x-${var.pw}"`` prints ``x-<sensitive>``, while a value merely derived from a secret
    (``upper(var.pw)``, ``length(var.pw)``) prints in clear; numbers and bools are not filtered.
    """
    for secret in secrets:
        text = text.replace(secret, "<sensitive>")
    return text


def repl(context, stdin: TextIO, stdout: TextIO, secrets: list[str] = ()) -> int:
    """Evaluate the expressions read from ``stdin`` as packer 1.6.6's console does; return the exit status.

    When stdin is a pipe (``echo ... | imagehub console``), every line is trimmed and evaluated, the
    diagnostics are printed as they come and only the value of the last line is printed, at the end
    ("exit" does not stop reading, and prints as an empty value); the status is 1 if the last line that
    had diagnostics had errors. Otherwise (a terminal, or a redirected file: ``< file``) each line is
    evaluated as typed and its value printed after its diagnostics (an empty line prints an empty
    value), "exit" stops, a prompt is shown only on a terminal, and the status is always 0.
    ``secrets`` are masked in everything printed.
    """
    if _is_pipe(stdin):
        status, last = 0, ""
        lines = stdin.read().split("\n")
        for line in lines[:-1] if lines[-1] == "" else lines:  # no line after the last newline
            value, diagnostics, failed = evaluate_line(context, line.strip())
            if diagnostics:
                stdout.write(mask(diagnostics, secrets))
                status = 1 if failed else 0
            last = value
        stdout.write(mask(last, secrets) + "\n")
        return status
    interactive = stdin.isatty()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            return 0
        line = line.removesuffix("\n").removesuffix("\r")
        if line == "exit":
            return 0
        value, diagnostics, _ = evaluate_line(context, line)
        stdout.write(mask(diagnostics + value, secrets) + "\n")


def _is_pipe(stream: TextIO) -> bool:
    import io
    import os
    import stat

    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False  # an in-memory stream


def evaluate_line(context, line: str) -> tuple[str, str, bool]:
    """Evaluate one console line; return its printed value, its diagnostics as printed, and whether it failed.

    The empty line and "exit" have an empty value; "help" and "variables" (exactly so) print the console's
    help and every variable and local (variables_text). Diagnostics show no source line, as packer's console
    does not keep its input, and are followed by an empty line. Outside a build, ``source`` is an
    object whose ``type`` and ``name`` are unknown, as in packer 1.6.6 (``source.name`` prints ``<unknown>``).
    """
    from builds.engine.hcl.diagnostics import render
    from builds.engine.hcl.evaluate import EvalError
    from builds.engine.hcl.parser import parse_expression
    from builds.engine.hcl.values import UNKNOWN

    if line in ("", "exit"):
        return "", "", False
    if line == "help":
        return HELP, "", False
    if line == "variables":
        return variables_text(context), "", False
    expr, diags = parse_expression(line, "<console-input>")
    if expr is None or diags.has_errors:
        return "", "".join(render(diag) + "\n" for diag in diags) + "\n", True
    try:
        value = context.eval(expr, context.scope(source={"type": UNKNOWN, "name": UNKNOWN}))
    except EvalError as exc:
        return "", render(exc.diag) + "\n\n", True
    return format_value(value), "", False


def format_value(value: Any) -> str:
    """Format a result as ``packer console`` prints it.

    A top-level string is printed bare and strings inside collections are quoted; lists and maps span
    several lines (map keys sorted, null entries left out); a value that is not fully known yet is
    ``<unknown>``.
    """
    from builds.engine.hcl.values import is_unknown

    if is_unknown(value):
        return "<unknown>"
    return _format(value, nested=False)


def _format(value: Any, nested: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value) if nested else value
    if isinstance(value, (int, float)):
        return _go_number(value)
    if isinstance(value, list):
        items = "".join(_indent(_format(v, True)) + ",\n" for v in value)
        return "[" + ("\n" if value else "") + items + "]"
    if isinstance(value, dict):
        kept = {k: v for k, v in value.items() if v is not None}
        items = "".join(_indent(f"{go_quote(k)} = {_format(kept[k], True)}") + "\n" for k in sorted(kept))
        return "{" + ("\n" if kept else "") + items + "}"
    raise TypeError(f"not an HCL value: {value!r}")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n")) if text else ""


def _go_number(value: int | float) -> str:
    """A number as Go's ``%v`` prints it: integers plainly, other values in the shortest ``%g`` form."""
    import math
    from decimal import Decimal

    from builds.engine.hcl.values import number

    value = number(value)
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return str(value)
    value = float(value)
    if math.isinf(value) or math.isnan(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(digits) + exponent - 1  # the power of ten of the first digit
    prefix = "-" if sign else ""
    if point < -4 or point >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"
    return prefix + format(Decimal(repr(abs(value))), "f")


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
               "\\": "\\\\", '"': '\\"'}


def go_quote(text: str) -> str:
    """Quote a string as Go's ``%q`` does: escapes for quotes, backslashes and unprintable characters."""
    out = ['"']
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)

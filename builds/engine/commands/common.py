"""What the template commands share: the -var/-var-file flags, loading, and printing diagnostics."""

from __future__ import annotations

from typing import TextIO

from builds.engine.commands.flags import FlagSet
from builds.engine.hcl.diagnostics import Diagnostics, render


def key_value(text: str) -> None:
    """Check a ``-var`` value has the form ``name=value``; raise ValueError otherwise."""
    name, sep, _ = text.partition("=")
    if not sep or not name.strip():
        raise ValueError("must be of the form name=value")


def add_variable_flags(flags: FlagSet) -> None:
    flags.list("var", "Variable for templates, can be used multiple times.", check=key_value)
    flags.list("var-file", "HCL2 file containing user variables; can be used multiple times.")


def cli_vars(values: dict) -> list[tuple[str, str]]:
    """The ``-var`` flags as (name, value) pairs, in order."""
    pairs = []
    for item in values.get("var", []):
        name, _, value = item.partition("=")
        pairs.append((name.strip(), value))
    return pairs


def print_diagnostics(diags: Diagnostics, texts: dict[str, str], out: TextIO, *,
                      errors_only: bool = False) -> None:
    """Print diagnostics in Packer's shape, each followed by a blank line.

    A diagnostic equal to one printed before (the same block decoded by
    validation and again by a plugin's prepare) is printed once.
    """
    printed = set()
    for diag in diags:
        said = (diag.severity, diag.summary, diag.detail, diag.subject, diag.context)
        if (errors_only and not diag.is_error) or said in printed:
            continue
        printed.add(said)
        out.write(render(diag, texts) + "\n")

"""``imagehub inspect``: list a template's variables, locals, sources and builds, as ``packer inspect`` does."""

from __future__ import annotations

from typing import Any, TextIO

from builds.engine.commands.common import add_variable_flags, cli_vars, print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "see components of a template"

SENSITIVE = '"<sensitive>"'

USAGE = """Usage: imagehub inspect TEMPLATE

  Inspects a template, parsing and outputting the components a template
  defines. This does not validate the contents of a template (other than
  basic syntax by necessity).

Options:

  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         HCL2 file containing user variables, can be used multiple times.
"""


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    flags = FlagSet("inspect", USAGE)
    flags.bool("machine-readable", False)
    add_variable_flags(flags)
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) != 1:
        return flags.usage_error(stdout)

    from builds.engine.hcl.config import load_config

    config = load_config(positional[0], var_files=values["var-file"], cli_vars=cli_vars(values))
    if config.template is None or config.context is None:
        print_diagnostics(config.diagnostics, config.texts, stdout)
        return 1
    stdout.write(render_inspect(config))
    return 0


def describe_value(value: Any) -> str:
    """A value as inspect prints it: the console's form, quoted as Go's ``%q`` quotes (``"<unknown>"``)."""
    from builds.engine.commands.console import format_value, go_quote

    return go_quote(format_value(value))


def summarize(config) -> dict[str, Any]:
    """The structure ``inspect`` prints, as data, for the dashboard: a sensitive value is ``"<sensitive>"``
    whole (render_inspect prints values as Packer does)."""
    from builds.engine.hcl.values import UNKNOWN

    tpl, ctx = config.template, config.context
    variables = []
    for name, decl in sorted(tpl.variables.items()):
        value = ctx.variables[name].value if name in ctx.variables else UNKNOWN
        variables.append({"name": name, "type": _type_text(decl), "sensitive": decl.sensitive,
                          "description": decl.description,
                          "value": SENSITIVE if decl.sensitive else describe_value(value)})
    local_values = []
    for name, decl in sorted(tpl.locals.items()):
        value = ctx.local_values.get(name, UNKNOWN)
        local_values.append({"name": name, "sensitive": decl.sensitive,
                             "value": SENSITIVE if decl.sensitive else describe_value(value)})
    return {
        "variables": variables,
        "locals": local_values,
        "sources": [{"type": t, "name": n} for t, n in tpl.sources],
        "data": [{"type": t, "name": n} for t, n in tpl.data],
        "builds": _builds(tpl),
        "required_plugins": config.required_plugins,
    }


def _builds(tpl) -> list[dict[str, Any]]:
    """Each build block of `tpl`: its name, description, sources, provisioners and post-processor chains."""
    return [{
        "name": build.name or f"<unnamed build {index}>",
        "description": build.description,
        "sources": [use.display_name for use in build.sources],
        "provisioners": [p.type + (f".{p.name}" if p.name else "") for p in build.provisioners],
        "post_processors": [[pp.type + (f".{pp.name}" if pp.name else "") for pp in chain]
                            for chain in build.post_processors],
    } for index, build in enumerate(tpl.builds)]


def _type_text(decl) -> str:
    from builds.engine.hcl import types

    return types.type_str(decl.type) if decl.type_given else ""


def render_inspect(config) -> str:
    """Return Packer's inspect text for a loaded template.

    Sensitive values are hidden as Packer hides them, by their text: every
    string inside a sensitive variable or local reads ``<sensitive>``
    wherever it appears (in a list, or inside another value such as a local
    built from it), so ``["a", "b"]`` shows as a list of two
    ``<sensitive>``. Where Packer would print a sensitive number or bool in
    clear, the whole value reads ``"<sensitive>"``.
    """
    from builds.engine.commands.console import mask, sensitive_strings, variables_text

    out = ["Packer Inspect: HCL2 mode\n\n", mask(variables_text(config.context), sensitive_strings(config.context))]
    out.append("\n> builds:\n")
    for build in _builds(config.template):
        out.append(f"\n  > {build['name']}:\n")
        if build["description"]:
            out.append(f"\n  > Description: {build['description']}\n")
        out.append("\n    sources:\n")
        out.extend(f"\n      {s}\n" for s in build["sources"] or ["<no source>"])
        out.append("\n    provisioners:\n\n")
        out.extend(f"      {p}\n" for p in build["provisioners"] or ["<no provisioner>"])
        out.append("\n    post-processors:\n")
        if not build["post_processors"]:
            out.append("\n      <no post-processor>\n")
        for i, chain in enumerate(build["post_processors"]):
            out.append(f"\n      {i}:\n")
            out.extend(f"        {pp}\n" for pp in chain)
    out.append("\n")
    return "".join(out)


__all__ = ["print_diagnostics", "render_inspect", "run", "summarize"]

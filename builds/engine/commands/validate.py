"""``imagehub validate``: check a template and report every problem at once, as ``packer validate`` does."""

from __future__ import annotations

from typing import TextIO

from builds.engine.commands.common import add_variable_flags, cli_vars, print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "check that a template is valid"

USAGE = """Usage: imagehub validate [options] TEMPLATE

  Checks the template is valid by parsing the template and also
  checking the configuration with the various builders, provisioners, etc.

  If it is not valid, the errors will be shown and the command will exit
  with a non-zero exit status. If it is valid, it will exit with a zero
  exit status.

Options:

  -syntax-only           Only check syntax. Do not verify config of the template.
  -evaluate-datasources  Evaluate data sources during validation (they look things up, which
                         may cost time or money); without it their values are unknown.
  -except=foo,bar,baz    Validate all builds other than these.
  -only=foo,bar,baz      Validate only these builds.
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         HCL2 file containing user variables, can be used multiple times.
  -no-warn-undeclared-var  Suppress warnings for variables set but not declared.
"""


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    flags = FlagSet("validate", USAGE)
    flags.bool("syntax-only", False)
    flags.bool("evaluate-datasources", False)
    flags.bool("no-warn-undeclared-var", False)
    flags.list("only", comma=True)
    flags.list("except", comma=True)
    add_variable_flags(flags)
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) != 1:
        return flags.usage_error(stdout)

    from builds.engine.hcl.config import load_config

    config = load_config(positional[0], var_files=values["var-file"], cli_vars=cli_vars(values),
                         syntax_only=values["syntax-only"])
    if values["syntax-only"]:
        syntax = config.diagnostics
        print_diagnostics(syntax, config.texts, stdout, errors_only=True)
        if syntax.has_errors:
            return 1
        stdout.write("Syntax-only check passed. Everything looks okay.\n")
        return 0

    from builds.engine.hcl.validate import validate

    diags = validate(config, values["only"], values["except"])
    if not diags.has_errors:
        # Packer's validate also runs every plugin's own checks (prepare), without building anything.
        from builds.engine.core.prepare import BuildOptions, prepare_builds

        prepare_builds(config, BuildOptions(values["only"], values["except"], check_only=True,
                                            evaluate_data=values["evaluate-datasources"]), validated=True)
    if values["no-warn-undeclared-var"]:
        diags.items[:] = [d for d in diags.items if d.summary != "Undefined variable"]
    print_diagnostics(diags, config.texts, stdout)
    if diags.has_errors:
        return 1
    stdout.write("The configuration is valid.\n")
    return 0

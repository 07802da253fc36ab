"""``imagehub init``: check the template's ``required_plugins`` against the plugins built into ImageHub."""

from __future__ import annotations

from typing import TextIO

from builds.engine.commands.common import print_diagnostics
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "check the plugins a template requires"

USAGE = """Usage: imagehub init [options] TEMPLATE

  Checks every plugin listed in the packer.required_plugins blocks of the
  template against the plugins built into ImageHub. Nothing is downloaded:
  ImageHub's plugins are part of it. Exits non-zero when a required plugin or
  version is not available.

Options:
  -upgrade                     Accepted for compatibility; there is nothing to upgrade.
"""


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    flags = FlagSet("init", USAGE)
    flags.bool("upgrade", False)
    try:
        _, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if len(positional) != 1:
        return flags.usage_error(stdout)

    from builds.engine.hcl.config import load_config
    from builds.engine.plugin_init import init_lines, resolve_required_plugins

    config = load_config(positional[0])
    if config.template is None or config.context is None:
        print_diagnostics(config.diagnostics, config.texts, stdout)
        return 1
    packer_errors = [d for d in config.diagnostics.errors if d.context == "packer"]
    if packer_errors:
        for diag in packer_errors:
            from builds.engine.hcl.diagnostics import render

            stdout.write(render(diag, config.texts) + "\n")
        return 1
    resolutions = resolve_required_plugins(config.required_plugins)
    for line in init_lines(resolutions):
        (stderr if line.error else stdout).write(line.text + "\n")
    return 0 if all(r.satisfied for r in resolutions) else 1

"""The `imagehub` command: `serve` and `manage` run the dashboard, every other verb the engine.

Django is imported only by the dashboard's verbs, so the engine's verbs
(fmt, validate, build, ...) start fast and work without a database.
"""

import os
import sys

USAGE = """\
Usage: imagehub [--version] [--help] <command> [<args>]

Available commands are:
    build       Build images from a template
    console     Evaluate expressions against a template interactively
    fmt         Rewrite HCL template files in the canonical format
    init        Check that the plugins a template requires are available
    inspect     Show the variables, sources and builds of a template
    manage      Run a Django management command on the dashboard's database
    serve       Run the web dashboard
    validate    Check that a template is valid
    version     Print the ImageHub version
"""

HELP_FLAGS = frozenset({"-h", "-help", "--help"})

# Packer's exit status when no command, or an unknown one, is given.
EXIT_USAGE = 127


def main(argv: list[str] | None = None) -> int:
    """Run the verb named first in `argv` (default: sys.argv[1:]) and return its exit status.

    With no arguments, prints the usage to stderr and returns 127, as Packer
    does; with only a help flag, prints it to stdout and returns 0. Verbs
    other than `serve` and `manage` are handed, with all their arguments, to
    the engine's command line.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        sys.stderr.write(USAGE)
        return EXIT_USAGE
    verb, rest = args[0], args[1:]
    if verb in HELP_FLAGS:
        sys.stdout.write(USAGE)
        return 0
    if verb == "serve":
        from imagehub.serve import main as serve

        return serve(rest)
    if verb == "manage":
        return manage(rest)
    from builds.engine.cli import main as engine

    return engine(args)


def manage(args: list[str]) -> int:
    """Run the Django management command in `args` and return 0; Django exits on its errors."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["imagehub manage", *args])
    return 0

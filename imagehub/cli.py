"""The `imagehub` command: `serve` and `manage` run the dashboard, every other verb the engine.

Django is imported only by the dashboard's verbs, so the engine's verbs
(fmt, validate, build, ...) start fast and work without a database.
"""

import os
import sys

# The dashboard's verbs, listed with the engine's in the usage text.
DASHBOARD_VERBS = {
    "manage": "run a Django management command on the dashboard's database",
    "serve": "run the web dashboard",
}

HELP_FLAGS = frozenset({"-h", "-help", "--help"})
# `imagehub build --record`: store the build in the dashboard's history too.
RECORD_FLAGS = frozenset({"--record", "-record"})

# Packer's exit status when no command, or an unknown one, is given.
EXIT_USAGE = 127


def main(argv: list[str] | None = None) -> int:
    """Run the verb named first in `argv` (default: sys.argv[1:]) and return its exit status.

    With no arguments, or only a help flag, prints the list of every verb,
    the engine's and the dashboard's, and returns 127 or 0 respectively, as
    Packer does. Arguments that start with another verb or flag go unchanged
    to the engine's command line, which answers unknown verbs.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or (len(args) == 1 and args[0] in HELP_FLAGS):
        from builds.engine.cli import usage

        sys.stdout.write(usage(extra=DASHBOARD_VERBS) + "\n")
        return 0 if args else EXIT_USAGE
    verb, rest = args[0], args[1:]
    if verb == "serve":
        from imagehub.serve import main as serve

        return serve(rest)
    if verb == "manage":
        return manage(rest)
    if verb == "build" and RECORD_FLAGS & set(rest):
        # Only a recorded build needs Django: the recording module sets it up.
        from builds.record import main as record

        return record([arg for arg in rest if arg not in RECORD_FLAGS])
    from builds.engine.cli import main as engine

    return engine(args)


def manage(args: list[str]) -> int:
    """Run the Django management command in `args` and return 0; Django exits on its errors."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["imagehub manage", *args])
    return 0

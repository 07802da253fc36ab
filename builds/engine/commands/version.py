"""``imagehub version``: print ImageHub's version and the Packer release it follows."""

from __future__ import annotations

from typing import TextIO

from builds.engine import __version__
from builds.engine.commands.flags import FlagError, FlagSet

SYNOPSIS = "print the ImageHub version"

USAGE = "Prints the ImageHub version and the Packer release whose plugin arguments it accepts."


def version_line() -> str:
    """Return the one-line version text, e.g. ``ImageHub v0.1.0 (Packer-compatible, ...)``."""
    from builds.engine.registry import PACKER_CORE_VERSION

    return f"ImageHub v{__version__} (Packer-compatible; plugin arguments of Packer v{PACKER_CORE_VERSION})"


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Print the version line and return 0; like Packer, ignore arguments other than ``-help``."""
    flags = FlagSet("version", USAGE)
    try:
        flags.parse([arg for arg in args if arg in ("-h", "-help", "--help")])
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    stdout.write(version_line() + "\n")
    return 0

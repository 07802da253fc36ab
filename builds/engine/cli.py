"""The engine's command line: ``imagehub <verb> [<args>]`` dispatched as Packer's CLI does.

Each verb lives in its own module under ``builds.engine.commands``, imported
only when chosen, so a quick verb such as ``fmt`` never pays for the others.
A command module provides:

* ``SYNOPSIS: str`` — the one line shown in the verb list;
* ``run(args: list[str], stdout, stderr) -> int`` — the verb's arguments (the
  verb itself removed) and the streams to write to; returns the exit status.
  Given ``["-help"]`` it prints its usage to ``stdout`` and returns 0.

Arguments are read as Packer's CLI reads them: ``-h``/``-help``/``--help``
anywhere before ``--`` asks for help (the verb's, or the verb list);
``-v``/``-version``/``--version`` before the verb prints the version; other
flags before the verb are refused; no verb, or one that is not known, prints
the verb list and exits 127.

A verb run as a program ends with its process: :func:`main` asks Python not to
sweep the heap for reference cycles on the way out (the AWS SDK's service
models alone made that final collection take most of a second).
"""

from __future__ import annotations

import atexit
import functools
import gc
import importlib
import importlib.util
import sys
from typing import TextIO

PROGRAM = "imagehub"

COMMANDS: dict[str, str] = {
    "fmt": "builds.engine.commands.fmt",
    "validate": "builds.engine.commands.validate",
    "inspect": "builds.engine.commands.inspect",
    "init": "builds.engine.commands.init",
    "console": "builds.engine.commands.console",
    "build": "builds.engine.commands.build",
    "version": "builds.engine.commands.version",
    "sweep": "builds.engine.commands.sweep",
}

HELP_FLAGS = frozenset({"-h", "-help", "--help"})
VERSION_FLAGS = frozenset({"-v", "-version", "--version"})

EXIT_UNKNOWN_COMMAND = 127  # Packer's status for a missing or unknown verb
EXIT_INTERRUPTED = 1  # Packer's status after an interrupt

_TOP_FLAGS_ERROR = (
    "Invalid flags before the subcommand. If these flags are for\n"
    "the subcommand, please put them after the subcommand.\n\n"
)


def available_commands() -> list[str]:
    """Return the verbs whose module is present, sorted by name (without importing them)."""
    return sorted(name for name, module in COMMANDS.items() if _module_exists(module))


def usage(extra: dict[str, str] | None = None) -> str:
    """Return the top-level usage and verb list, as Packer prints it.

    ``extra`` maps more verbs to their synopsis (the dashboard's ``serve`` and
    ``manage``, say) to list alongside the engine's.
    """
    synopses = {name: _load(name).SYNOPSIS for name in available_commands()}
    synopses.update(extra or {})
    width = max(len(name) for name in synopses)
    lines = [
        f"Usage: {PROGRAM} [--version] [--help] <command> [<args>]\n\n",
        "Available commands are:\n",
    ]
    lines.extend(f"    {name:<{width}}    {synopses[name]}\n" for name in sorted(synopses))
    return "".join(lines)


def main(
    argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the verb named in ``argv`` (default ``sys.argv[1:]``) and return its exit status.

    ``KeyboardInterrupt`` ends the command quietly with status 1, as in Packer.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    _exit_without_final_collection()
    try:
        return _dispatch(args, out, err)
    except KeyboardInterrupt:
        out.flush()
        return EXIT_INTERRUPTED


@functools.cache
def _exit_without_final_collection() -> None:
    """At interpreter exit, move every object to the collector's permanent generation, so the final
    collection has nothing to traverse (the process is ending; the memory goes back with it)."""
    atexit.register(gc.freeze)


def _dispatch(args: list[str], out: TextIO, err: TextIO) -> int:
    verb, verb_args, wants_help, wants_version, top_flags = _split(args)
    if wants_version:
        return _load("version").run([], out, err)
    if wants_help and verb is None:
        out.write(usage() + "\n")
        return 0
    if verb is None or verb not in COMMANDS or not _module_exists(COMMANDS[verb]):
        out.write(usage() + "\n")
        return EXIT_UNKNOWN_COMMAND
    command = _load(verb)
    if wants_help:
        return command.run(["-help"], out, err)
    if top_flags:
        out.write(_TOP_FLAGS_ERROR)
        command.run(["-help"], out, err)
        return 1
    return command.run(verb_args, out, err)


def _split(args: list[str]) -> tuple[str | None, list[str], bool, bool, list[str]]:
    """Return ``(verb, verb_args, wants_help, wants_version, flags_before_verb)``."""
    verb: str | None = None
    verb_args: list[str] = []
    wants_help = wants_version = False
    top_flags: list[str] = []
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg in HELP_FLAGS:
            wants_help = True
            continue
        if verb is None:
            if arg in VERSION_FLAGS:
                wants_version = True
                continue
            if arg.startswith("-"):
                top_flags.append(arg)
            elif arg:
                verb = arg
                verb_args = args[index + 1 :]
    return verb, verb_args, wants_help, wants_version, top_flags


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _load(verb: str):
    return importlib.import_module(COMMANDS[verb])

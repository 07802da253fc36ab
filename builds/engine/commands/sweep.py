"""``imagehub sweep``: delete the temporary cloud resources that outlived their build."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from builds.engine.commands.flags import FlagError, FlagSet
from builds.engine.durations import parse_duration

SYNOPSIS = "delete temporary cloud resources left by builds that are over"

USAGE = """\
Usage: imagehub sweep [options]

  Finds the temporary cloud resources that ImageHub builds created (spot
  requests, instances, launch templates, volumes, security groups, key pairs,
  IAM instance profiles and roles, and AMIs a failed build meant to
  deregister) whose build is no longer running, and deletes them in
  dependency order, printing what it does.

  Resources are found in the resource ledger and by their tags
  (imagehub:build-id with imagehub:temporary = true), so they are found even
  when the ledger is gone. Credentials and the region come from the
  environment or a profile, as for a build.

Options:

  -region=R            Search region R by tags (repeat, or separate with
                       commas). Default: the ledger's regions and the
                       default region.
  -older-than=D        Only resources created at least D ago (2h, 30m).
                       Default: any age for builds the ledger shows are over,
                       1h for builds known only by tags (they may be running
                       on another machine).
  -dry-run             Print what would be deleted; delete nothing.
  -ledger-dir=DIR      The ledger directory (default: $IMAGEHUB_LEDGER_DIR,
                       else <data dir>/ledger).
  -profile=P           Use the AWS shared-config profile P.
  -endpoint-ec2=URL    The EC2 endpoint of resources the ledger does not
                       place (an EC2-compatible API).
"""


def _duration(text: str) -> None:
    if parse_duration(text) < 0:
        raise ValueError("a duration cannot be negative")


def run(args: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Sweep; return 0 when everything found was deleted (or would be, with ``-dry-run``), 1 otherwise."""
    flags = FlagSet("sweep", USAGE)
    flags.list("region", comma=True)
    flags.list("older-than", check=_duration)
    flags.bool("dry-run")
    flags.string("ledger-dir")
    flags.string("profile")
    flags.string("endpoint-ec2")
    try:
        values, positional = flags.parse(args)
    except FlagError as err:
        return flags.fail(err, stdout, stderr)
    if positional:
        return flags.usage_error(stdout)

    from builds.engine.builders.amazon.errors import AwsError
    from builds.engine.ledger import FileLedger
    from builds.engine.sweep import Sweeper, SweepOptions

    older_than = parse_duration(values["older-than"][-1]) if values["older-than"] else None
    options = SweepOptions(regions=values["region"], older_than=older_than, dry_run=values["dry-run"],
                           profile=values["profile"], endpoint=values["endpoint-ec2"])
    ledger = FileLedger(Path(values["ledger-dir"]) if values["ledger-dir"] else None)

    def say(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    try:
        result = Sweeper(ledger, options, say).run()
    except AwsError as exc:
        stderr.write(f"Error: {exc}\n")
        return 1
    builds = {item.build_id for item in result.deleted + result.already_gone}
    if options.dry_run:
        say(f"{len(result.would_delete)} resource(s) would be deleted." if result.would_delete
            else "Nothing to sweep.")
    elif result.deleted or result.already_gone:
        say(f"Swept {len(result.deleted)} resource(s) of {len(builds)} build(s).")
    elif not result.failed:
        say("Nothing to sweep.")
    if result.search_errors:
        say("Some searches failed (see above), so more resources may be left; fix the cause and run "
            "imagehub sweep again.")
    if result.failed:
        say(f"{len(result.failed)} resource(s) could not be deleted; they stay in the ledger. Fix the cause "
            "shown above (permissions, a resource still in use) and run imagehub sweep again, or delete "
            "them by hand.")
        return 1
    return 1 if result.search_errors else 0

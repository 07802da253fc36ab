"""The watch a process running a build keeps on its database row: the heartbeat, and what the dashboard asks.

A worker's build (builds.runner.process) and a terminal build recorded in
the history (builds.record) both run `watch` on a thread of their own while
the build runs: every IMAGEHUB["CONTROL_POLL_SECONDS"] it reads the build's
status, cancel request and continue request, and every
IMAGEHUB["HEARTBEAT_SECONDS"] it writes the heartbeat by which the reaper
(builds.reaper) knows the build is still alive.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from builds.models import Build

# What `watch` reads of the build every round, handed to its `on_row`.
REQUEST_FIELDS = ("status", "cancel_requested_at", "cancel_requested_by__username", "continue_requested_at")


def watch(build_pk: int, stop: threading.Event, on_row: Callable[[dict | None], None],
          on_unreachable: Callable[[DatabaseError], None]) -> None:
    """Until `stop` is set: hand the build's REQUEST_FIELDS (None once its row is gone) to `on_row` every poll,
    and write its heartbeat (while it is running) every heartbeat. A database error goes to `on_unreachable`,
    and the next round connects again."""
    poll, heartbeat = settings.IMAGEHUB["CONTROL_POLL_SECONDS"], settings.IMAGEHUB["HEARTBEAT_SECONDS"]
    next_beat = time.monotonic() + heartbeat
    try:
        while not stop.wait(poll):
            try:
                on_row(Build.objects.filter(pk=build_pk).values(*REQUEST_FIELDS).first())
                if time.monotonic() >= next_beat:
                    Build.objects.filter(pk=build_pk, status=Build.Status.RUNNING).update(heartbeat_at=timezone.now())
                    next_beat = time.monotonic() + heartbeat
            except DatabaseError as error:  # a dropped connection, say: connect again next round
                on_unreachable(error)
                connection.close()
    finally:
        connection.close()


def cancelled_by(row: dict) -> str:
    """Who asked the dashboard to cancel the build of `row` (REQUEST_FIELDS), as " by NAME", or ""."""
    who = row["cancel_requested_by__username"]
    return f" by {who}" if who else ""

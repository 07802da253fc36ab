"""Signals of a build's life: `build_started` when a worker claims it, `build_finished` when its final status is set.

Both are sent with `sender=Build` and `build_pk`; `build_finished` also
with `status` (succeeded, failed, cancelled or lost). They are sent after
the status is stored, once per build and transition, from whichever
process wrote it (a worker, a web process cancelling a queued build, the
reaper). Receivers run in that process and must not raise: a receiver's
error is logged and never changes the build.
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

build_started = Signal()
build_finished = Signal()


def send(signal: Signal, build_pk: int, **fields) -> None:
    """Send `signal` for build `build_pk` to every receiver; log, never raise, what a receiver raises."""
    from builds.models import Build

    for receiver, result in signal.send_robust(sender=Build, build_pk=build_pk, **fields):
        if isinstance(result, Exception):
            logger.error("A receiver of %s for build %s failed: %r", receiver, build_pk, result,
                         exc_info=(type(result), result, result.__traceback__))

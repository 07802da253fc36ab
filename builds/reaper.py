"""Marking lost the builds whose worker stopped writing its heartbeat (killed, or its machine gone).

Every worker runs `reap_lost_builds` when it starts and every
IMAGEHUB["HEARTBEAT_SECONDS"], and so does every web process (`watch`, on a
thread of its own), so a build whose only worker died is marked lost even
while no worker runs; a running build whose heartbeat is older than
IMAGEHUB["LOST_AFTER_SECONDS"] becomes LOST, its log ends with a line saying
so, and the final status is broadcast. Temporary cloud resources it created
stay in the resource ledger of its worker's machine, where `imagehub sweep`
finds them.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from builds import broadcast, signals
from builds.logsink import lines_event, status_message
from builds.models import Build, BuildLogLine, BuildStep

logger = logging.getLogger(__name__)


def lost_message(build: Build, silent_for: timedelta) -> str:
    """The log line that ends a lost build."""
    where = f" on {build.worker_host}" if build.worker_host else ""
    text = (f"Build lost: its worker{where} stopped reporting (no heartbeat for "
            f"{int(silent_for.total_seconds())} seconds), so it was marked lost.")
    if build.ledger_ids:
        text += (f" Temporary cloud resources it created are in the resource ledger{where} "
                 f"(build ids {', '.join(build.ledger_ids)}): run `imagehub sweep` there to delete them.")
    return text


def reap_lost_builds(now=None) -> list[int]:
    """Mark LOST every running build whose heartbeat is too old; return their primary keys."""
    now = now or timezone.now()
    bound = now - timedelta(seconds=settings.IMAGEHUB["LOST_AFTER_SECONDS"])
    stale = Build.objects.filter(status=Build.Status.RUNNING, heartbeat_at__lt=bound)
    reaped = []
    for build in stale.only("pk", "worker_host", "heartbeat_at", "ledger_ids", "last_seq"):
        if _mark_lost(build, now, bound):
            reaped.append(build.pk)
    return reaped


_watch_lock = threading.Lock()
_watch: threading.Thread | None = None
_stop_watch = threading.Event()


def watch() -> threading.Thread:
    """Run `reap_lost_builds` now and every IMAGEHUB["HEARTBEAT_SECONDS"] on a daemon thread of this process;
    one thread a process, however often called. Returns the thread."""
    global _watch
    with _watch_lock:
        if _watch is None:
            _stop_watch.clear()
            _watch = threading.Thread(target=_reap_every_heartbeat, name="lost builds", daemon=True)
            _watch.start()
        return _watch


def watching() -> bool:
    """Whether this process's `watch` thread runs (a worker in the same process need not reap too)."""
    return _watch is not None


def stop_watching(timeout: float = 10.0) -> None:
    """End this process's `watch` thread, if any, and wait up to `timeout` seconds for it."""
    global _watch
    with _watch_lock:
        thread, _watch = _watch, None
        _stop_watch.set()
    if thread is not None:
        thread.join(timeout)


def _reap_every_heartbeat() -> None:
    while True:
        try:
            reap_lost_builds()
        except Exception:  # a database hiccup, or a database not migrated yet: try again next round
            logger.exception("Looking for lost builds failed")
        finally:
            connection.close()  # back to the pool (or closed) between rounds
        if _stop_watch.wait(settings.IMAGEHUB["HEARTBEAT_SECONDS"]):
            return


def _mark_lost(build: Build, now, bound) -> bool:
    text = lost_message(build, now - build.heartbeat_at)
    try:
        with transaction.atomic():
            # Only if it is still running and silent: another worker may have reaped it, or it came back.
            claimed = Build.objects.filter(pk=build.pk, status=Build.Status.RUNNING, heartbeat_at__lt=bound).update(
                status=Build.Status.LOST, finished_at=now, exit_reason=text, current_step="", paused_at=None)
            if not claimed:
                return False
            stored = BuildLogLine.objects.filter(build_id=build.pk).aggregate(last=Max("seq"))["last"] or 0
            seq = max(stored, build.last_seq) + 1
            BuildLogLine.objects.create(build_id=build.pk, seq=seq, time=now, source="", step="",
                                        stream=BuildLogLine.Stream.ERROR, text=text)
            Build.objects.filter(pk=build.pk).update(last_seq=seq)
            BuildStep.objects.filter(build_id=build.pk, finished_at__isnull=True).update(
                finished_at=now, outcome=BuildStep.Outcome.INTERRUPTED)
    except IntegrityError:
        logger.warning("Build %s was still writing its log while being marked lost; trying again later", build.pk)
        return False
    logger.warning("Build %s marked lost: %s", build.pk, text)
    broadcast.send(broadcast.group_name(build.pk), lines_event(
        [{"seq": seq, "time": now.timestamp(), "source": "", "step": "", "stream": "error", "text": text}]))
    broadcast.send(broadcast.group_name(build.pk), status_message(Build.Status.LOST, "", seq, final=True))
    signals.send(signals.build_finished, build.pk, status=Build.Status.LOST)
    return True

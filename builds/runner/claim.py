"""Claiming a queued build for this worker, and the registry of the builds running in this process."""

import socket
import threading

from django.db import close_old_connections
from django.utils import timezone

from builds import signals
from builds.models import Build
from builds.runner.process import BuildProcess

_running: dict[int, BuildProcess] = {}
_running_lock = threading.Lock()


def execute(build_pk: int) -> str:
    """Run the queued build `build_pk` to its end here; return its final status.

    A build that is no longer queued (cancelled while waiting, or claimed by
    another worker) is left alone and its current status returned.
    """
    close_old_connections()
    now = timezone.now()
    claimed = Build.objects.filter(pk=build_pk, status=Build.Status.QUEUED).update(
        status=Build.Status.RUNNING, started_at=now, heartbeat_at=now, worker_host=socket.gethostname()[:255])
    if not claimed:
        return Build.objects.filter(pk=build_pk).values_list("status", flat=True).first() or "missing"
    signals.send(signals.build_started, build_pk)
    build = Build.objects.select_related("template_version", "cancel_requested_by").get(pk=build_pk)
    process = BuildProcess(build)
    with _running_lock:
        _running[build_pk] = process
    try:
        return process.run()
    finally:
        with _running_lock:
            _running.pop(build_pk, None)


def cancel_running(reason: str) -> int:
    """Cancel every build running in this process (the worker is stopping); return how many."""
    with _running_lock:
        processes = list(_running.values())
    for process in processes:
        process.cancel(reason)
    return len(processes)


def running_count() -> int:
    with _running_lock:
        return len(_running)

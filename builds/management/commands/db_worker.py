"""`manage.py db_worker`: a build worker process, running several builds at once (django-tasks-db's, widened).

It replaces django-tasks-db's command of the same name (the builds app is
listed before it): the same claiming of tasks from the database, but with
`--concurrency` threads (default IMAGEHUB["WORKER_CONCURRENCY"]) and the
reaper of lost builds beside them. SIGINT or SIGTERM stops claiming and
cancels the running builds, whose cleanup runs; a second one exits at once
(the builds' processes still clean up on their own).
"""

import signal
import threading
from argparse import ArgumentParser, ArgumentTypeError

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import valid_backend_name, valid_interval

from builds.worker import WorkerPool


def concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 1:
        raise ArgumentTypeError("at least one build must run at a time")
    return value


class Command(BaseCommand):
    help = "Run a build worker: claim queued builds from the database and run several at once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--concurrency", type=concurrency, default=None,
                            help="builds run at once (default: IMAGEHUB_WORKER_CONCURRENCY, else 2)")
        parser.add_argument("--queue-name", default="default",
                            help="the queues to take builds from, separated by commas (default: default)")
        parser.add_argument("--interval", type=valid_interval, default=1.0,
                            help="seconds to wait before looking again when no build is queued (default: 1)")
        parser.add_argument("--backend", type=valid_backend_name, default="default", dest="backend_name",
                            help="the task backend (default: default)")
        parser.add_argument("--worker-id", default="", help="the worker's name (default: host and process id)")
        parser.add_argument("--stop-timeout", type=float, default=300.0,
                            help="seconds to wait for cancelled builds to clean up when stopping (default: 300)")

    def handle(self, *, concurrency: int | None, queue_name: str, interval: float, backend_name: str,
               worker_id: str, stop_timeout: float, **options) -> None:
        pool = WorkerPool(concurrency or settings.IMAGEHUB["WORKER_CONCURRENCY"],
                          queue_names=tuple(queue_name.split(",")), interval=interval,
                          backend_name=backend_name, worker_id=worker_id)
        stopping = threading.Event()

        def stop(signum, frame) -> None:
            if stopping.is_set():
                self.stderr.write("Stopping now; running builds clean up in their own processes.")
                raise SystemExit(1)
            self.stderr.write(f"Received {signal.Signals(signum).name}: cancelling running builds "
                              "(send it again to stop at once)...")
            stopping.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        pool.start()
        self.stdout.write(f"Build worker {pool.worker_id} is running {pool.concurrency} builds at a time.")
        while not stopping.is_set():
            stopping.wait(1.0)  # in slices, so the signal handlers above get to run
        if pool.stop(timeout=stop_timeout):
            self.stdout.write("Build worker stopped.")
        else:
            self.stderr.write("Build worker stopped; some builds were still cleaning up in their own processes.")

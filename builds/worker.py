"""A worker: threads that claim queued builds from the database and run them, and the reaper beside them.

`WorkerPool` runs IMAGEHUB["WORKER_CONCURRENCY"] threads, each a loop of
django-tasks-db's worker (claim the next ready task with a database lock,
run it), so that many builds run at once on this machine; `imagehub serve`
starts one inside the server process, `manage.py db_worker` in a process of
its own. A maintenance thread marks lost builds (`builds.reaper`) when the
pool starts and every IMAGEHUB["HEARTBEAT_SECONDS"] (unless the process's
web side does already: `imagehub serve`), and deletes old task
results (`builds.pruning`) when it starts and every
`pruning.PRUNE_EVERY_SECONDS`. One more thread sends webhook deliveries
(queue "webhooks"), so they never wait behind long builds; the maintenance
thread also sends scheduled webhook events whose time came, queues again
deliveries whose task was lost, and deletes old deliveries when it prunes.
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from builds import cascades, pruning, reaper, runner
from imagehub.webhooks import delivery as webhook_delivery
from imagehub.webhooks import events as webhook_events

logger = logging.getLogger(__name__)


class WorkerPool:
    """Build threads and the reaper; `start` them, `stop` to stop claiming and cancel what runs."""

    def __init__(self, concurrency: int | None = None, *, queue_names: tuple[str, ...] = ("default",),
                 interval: float = 1.0, backend_name: str = "default", worker_id: str = ""):
        self.concurrency = concurrency or settings.IMAGEHUB["WORKER_CONCURRENCY"]
        self.worker_id = worker_id or f"{socket.gethostname()[:40]}-{os.getpid()}"
        self.workers = [
            Worker(queue_names=list(queue_names), interval=interval, batch=False, backend_name=backend_name,
                   startup_delay=False, max_tasks=None, worker_id=f"{self.worker_id}-{index}"[:64],
                   excluded_queue_names=[])
            for index in range(1, self.concurrency + 1)
        ]
        self.workers.append(
            Worker(queue_names=[webhook_delivery.QUEUE], interval=interval, batch=False, backend_name=backend_name,
                   startup_delay=False, max_tasks=None, worker_id=f"{self.worker_id}-webhooks"[:64],
                   excluded_queue_names=[]))
        self.threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> "WorkerPool":
        """Reap lost builds, then start claiming builds."""
        maintenance = threading.Thread(target=self._maintain, name="build reaper", daemon=True)
        maintenance.start()
        self.threads.append(maintenance)
        for worker in self.workers:
            thread = threading.Thread(target=self._work, args=(worker,), name=f"build worker {worker.worker_id}",
                                      daemon=True)
            thread.start()
            self.threads.append(thread)
        logger.info("Build worker %s started with %d threads", self.worker_id, self.concurrency)
        return self

    def stop(self, reason: str = "Build was cancelled: its worker is stopping.", timeout: float = 30.0) -> bool:
        """Stop claiming builds, cancel the running ones (their cleanup runs) and wait up to `timeout` seconds
        for them to end; return whether they all did."""
        self._stopping.set()
        for worker in self.workers:
            worker.running = False
        runner.cancel_running(reason)
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self.threads)

    def _work(self, worker: Worker) -> None:
        try:
            worker.run()
        except Exception:
            logger.exception("Build worker %s stopped", worker.worker_id)
        finally:
            connection.close()

    def _maintain(self) -> None:
        interval = settings.IMAGEHUB["HEARTBEAT_SECONDS"]
        next_prune = time.monotonic()
        try:
            while True:
                close_old_connections()
                try:
                    if not reaper.watching():  # the web side of `imagehub serve` reaps on its own thread
                        reaper.reap_lost_builds()
                except Exception:  # a database hiccup: try again next round
                    logger.exception("Looking for lost builds failed")
                try:
                    cascades.advance_stalled()
                except Exception:  # a database hiccup: try again next round
                    logger.exception("Advancing stalled cascades failed")
                try:
                    webhook_events.send_due_events()
                    webhook_delivery.resume_stalled()
                except Exception:  # a database hiccup: try again next round
                    logger.exception("Sending due webhook events failed")
                if time.monotonic() >= next_prune:
                    try:
                        pruning.prune_task_results()
                        webhook_delivery.prune_log()
                        next_prune = time.monotonic() + pruning.PRUNE_EVERY_SECONDS
                    except Exception:  # a database hiccup: try again next round
                        logger.exception("Deleting old task results failed")
                if self._stopping.wait(interval):
                    return
        finally:
            connection.close()

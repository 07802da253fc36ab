"""Deleting the task results of builds that ended long ago, so the task table does not grow forever.

Every worker runs `prune_task_results` when it starts and every
PRUNE_EVERY_SECONDS: results of finished tasks (successful or failed) whose
end is older than IMAGEHUB["TASK_RESULTS_MAX_AGE_DAYS"] days are deleted.
The builds themselves, their logs and artifacts are kept; a build's
`task_id` then names a result that is gone.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0


def prune_task_results(now=None) -> int:
    """Delete finished task results older than the configured age; return how many were deleted."""
    now = now or timezone.now()
    bound = now - timedelta(days=settings.IMAGEHUB["TASK_RESULTS_MAX_AGE_DAYS"])
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=bound).delete()
    if deleted:
        logger.info("Deleted %d task results that finished before %s", deleted, bound.isoformat())
    return deleted

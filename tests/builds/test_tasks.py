"""Tests of the build task through the Django Tasks API's database backend."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from builds import services
from builds.models import Build

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queued_build_is_run_by_a_database_worker_and_its_task_returns_the_status(builder, shell_version,
                                                                                    quick_worker):
    build = services.start_build(shell_version, builder, {})

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="test-worker", excluded_queue_names=[]).run()

    assert Build.objects.get(pk=build.pk).status == Build.Status.SUCCEEDED
    result = DBTaskResult.objects.get(id=build.task_id).task_result
    assert result.return_value == "succeeded"

"""Tests of deleting old task results: finished ones past the configured age go, the rest stay."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from builds.pruning import prune_task_results

pytestmark = pytest.mark.django_db


def task_result(status: str, finished_days_ago: float | None) -> DBTaskResult:
    now = timezone.now()
    finished = None if finished_days_ago is None else now - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [1], "kwargs": {}}, task_path="builds.tasks.run_build",
        backend_name="default", run_after=now - timedelta(days=30), finished_at=finished)


@pytest.fixture
def max_age(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "TASK_RESULTS_MAX_AGE_DAYS": 7}


def test_finished_results_older_than_the_age_are_deleted_and_counted(max_age):
    old_success = task_result(TaskResultStatus.SUCCESSFUL, 8)
    old_failure = task_result(TaskResultStatus.FAILED, 30)
    recent = task_result(TaskResultStatus.SUCCESSFUL, 6)

    assert prune_task_results() == 2

    remaining = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk}
    assert old_success.pk not in remaining and old_failure.pk not in remaining


def test_unfinished_results_stay_however_old(max_age):
    waiting = task_result(TaskResultStatus.READY, None)
    running = task_result(TaskResultStatus.RUNNING, None)

    assert prune_task_results(now=timezone.now() + timedelta(days=365)) == 0

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {waiting.pk, running.pk}


def test_the_age_comes_from_the_settings(settings):
    settings.IMAGEHUB = {**settings.IMAGEHUB, "TASK_RESULTS_MAX_AGE_DAYS": 0.5}
    day_old = task_result(TaskResultStatus.SUCCESSFUL, 1)
    hour_old = task_result(TaskResultStatus.SUCCESSFUL, 1 / 24)

    assert prune_task_results() == 1

    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [hour_old.pk]
    assert not DBTaskResult.objects.filter(pk=day_old.pk).exists()

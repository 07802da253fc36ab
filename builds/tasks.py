"""The background task that runs a build, for the Django Tasks API (django-tasks, database backend).

`run_build.enqueue(build.pk)` queues it (services.start_build does); a
worker thread of `imagehub serve` or a `manage.py db_worker` process claims
it and returns the build's final status.
"""

from django_tasks import task


@task()
def run_build(build_pk: int) -> str:
    """Run the queued build `build_pk` on this worker; return its final status."""
    from builds.runner import execute

    return execute(build_pk)

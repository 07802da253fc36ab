"""The background task that makes a webhook delivery's next attempt (Django Tasks API, queue "webhooks")."""

from django_tasks import task


@task(queue_name="webhooks")
def deliver(delivery_pk: int) -> str:
    """Attempt delivery `delivery_pk` if its time has come; return its status afterwards."""
    from imagehub.webhooks.delivery import attempt

    return attempt(delivery_pk)

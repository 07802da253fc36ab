"""A build started through the API runs on a database worker, and its log read through the API page by page ends
with `final`, masked secrets and all."""

import pytest
from django_tasks_db.management.commands.db_worker import Worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_build_started_through_the_api_is_followed_to_its_end_through_the_log_endpoint(api, tokens, shell_version,
                                                                                         quick_worker):
    status, build = api.post("builds/", {"template": "shell", "variables": {"greeting": "hi",
                                                                            "password": "hunter2"}},
                             tokens["builder"])
    assert status == 201

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="api-test-worker", excluded_queue_names=[]).run()

    lines, after, pages = [], 0, 0
    while True:
        status, page = api.get(f"builds/{build['id']}/log/?after={after}&limit=3", tokens["viewer"])
        assert status == 200 and len(page["lines"]) <= 3
        lines += page["lines"]
        after, pages = page["last_seq"], pages + 1
        if page["final"]:
            break
        assert pages < 200
    text = "\n".join(line["text"] for line in lines)
    assert page["status"] == "succeeded" and pages > 1
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert "hi 2 true" in text and "hunter2" not in text
    assert api.get(f"builds/{build['id']}/", tokens["viewer"])[1]["status"] == "succeeded"

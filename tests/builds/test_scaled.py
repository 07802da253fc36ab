"""The scaled runtime for real: Postgres, Redis, two web processes and two workers; a build started on one web
process, run by a worker, is watched live on the other."""

import asyncio
import json
import time
from datetime import datetime

import pytest
import redis

from tests.fixtures.scaled import REDIS_URL, HttpSession, ScaledSite
from tests.fixtures.websocket import WebSocket

pytestmark = pytest.mark.scaled

PASSWORD = "correct horse battery"
BURST = 3000
TEMPLATE = r"""
source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["for i in 1 2 3 4 5; do echo tick $i; sleep 0.1; done", "seq 1 BURST",
              "printf '%s\\n' 'tab\there, back\\slash, ünïcödé'", "echo done"]
  }
}
""".replace("BURST", str(BURST))
SEED = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from imagehub import catalog
from imagehub.roles import Role, assign_role

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user("bob", password={PASSWORD!r})
assign_role(user, Role.BUILDER)
template = catalog.create_template(name="Lines", description="", labels=[], owner=user,
                                   files={{"main.pkr.hcl": {TEMPLATE!r}}})
print(template.slug)
"""


@pytest.fixture
def site(tmp_path):
    with ScaledSite(tmp_path / "scaled", {"IMAGEHUB_CONTROL_POLL_SECONDS": "0.1"}) as scaled:
        yield scaled


async def watch(port: int, path: str, cookie: str) -> tuple[list[tuple[int, str, float]], dict, dict | None]:
    """Every line the websocket sends as (seq, text, arrival time), its times by seq, and the final status."""
    socket = await WebSocket.connect(port, path, cookie=cookie)
    arrivals, times, final = [], {}, None
    while (text := await socket.receive()) is not None:
        message = json.loads(text)
        if message["type"] == "build.lines":
            now = time.time()
            arrivals.extend((line["seq"], line["text"], now) for line in message["lines"])
            times.update((line["seq"], line["time"]) for line in message["lines"])
        elif message["final"]:
            final = message
    return arrivals, times, final


def test_a_build_started_on_one_web_process_is_watched_live_on_the_other(site):
    # The web processes start while the database is migrated; the workers need its tables.
    webs = [site.start_web("web-a"), site.start_web("web-b")]
    slug = site.python(SEED, name="migrate").strip()
    for name in ("worker-a", "worker-b"):
        site.start_worker(name)
    for web in webs:
        site.wait_for_web(web)

    browser = HttpSession(webs[0].port)
    browser.log_in("bob", PASSWORD)
    status, headers, _ = browser.request("POST", f"/builds/start/{slug}/1/")
    assert status == 302, site.logs()
    pk = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
    try:
        arrivals, times, final = asyncio.run(asyncio.wait_for(
            watch(webs[1].port, f"/ws/builds/{pk}/log/", f"sessionid={browser.cookies['sessionid']}"), 120))
    except Exception as error:
        raise AssertionError(f"watching the build failed: {error!r}\n{site.logs()}")

    status, _, body = browser.request("GET", f"/builds/{pk}/build.json")
    record = json.loads(body)
    [(worker_ids,)] = site.query("SELECT worker_ids FROM django_tasks_database_dbtaskresult AS task "
                                 "JOIN builds_build AS build ON build.task_id = task.id::text WHERE build.id = %s",
                                 (pk,))
    assert record["status"] == "succeeded", site.logs()
    assert final is not None and final["status"] == "succeeded"
    assert final["last_seq"] == record["last_seq"] == len(arrivals)
    assert [seq for seq, _, _ in arrivals] == list(range(1, final["last_seq"] + 1))
    texts = [text for _, text, _ in arrivals]
    ticks = [texts.index(f"tick {i}") for i in range(1, 6)]
    burst = texts.index("1")
    assert ticks == sorted(ticks) and texts[burst:burst + BURST] == [str(n) for n in range(1, BURST + 1)]
    assert texts.index("done") > texts.index("tab\there, back\\slash, ünïcödé") > burst + BURST - 1
    stored = site.query("SELECT seq, text, time FROM builds_buildlogline WHERE build_id = %s ORDER BY seq", (pk,))
    assert [(seq, text) for seq, text, _ in stored] == [(seq, text) for seq, text, _ in arrivals]
    assert all(abs(moment.timestamp() - times[seq]) < 1e-5 for seq, _, moment in stored)
    # Watched live: the first line reached the other web process's viewer while the build still ran.
    first_tick = arrivals[ticks[0]][2]
    assert first_tick < datetime.fromisoformat(record["finished_at"]).timestamp()
    # db_worker names its threads after itself: worker-a-1...
    assert [worker_id.rsplit("-", 1)[0] for worker_id in worker_ids] in (["worker-a"], ["worker-b"])

    # The build list rendered by one web process is kept in Redis, where the other finds it.
    status, _, body = browser.request("GET", "/builds/")
    first = body.decode()
    assert status == 200 and f'<a href="/builds/{pk}/">#{pk}</a>' in first and "status-succeeded" in first
    client = redis.Redis.from_url(REDIS_URL)
    try:
        kept = list(client.scan_iter(match=f"{site.prefix}:cache:*builds:results:*"))
    finally:
        client.close()
    assert kept
    other = HttpSession(webs[1].port)
    other.cookies.update(browser.cookies)
    status, _, body = other.request("GET", "/builds/")
    second = body.decode()
    results = slice(first.index('id="build-results"'), first.index("</table>"))
    assert status == 200 and second[results] == first[results]

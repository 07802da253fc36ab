"""Tests of the build pages: who may see and do what, the list and its filters, a template's history, a build's
page, its downloads, its actions, and the launch form that starts builds."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from builds import download_views, views
from builds.models import Artifact, Build, BuildLogLine, BuildStep
from builds.serializers import build_record
from imagehub import catalog
from imagehub.roles import Role

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def make_build(shell_version, builder):
    """Return a function recording a build of the Shell template (version 1 unless given)."""

    def make(status=Build.Status.SUCCEEDED, *, version=None, user=builder, queued=None, seconds=60.0, **fields):
        version = version or shell_version
        queued = queued or NOW - timedelta(hours=1)
        started = queued + timedelta(seconds=5) if status != Build.Status.QUEUED else None
        finished = started + timedelta(seconds=seconds) if started and status not in Build.UNFINISHED else None
        build = Build(template=version.template, template_version=version, requested_by=user, status=status,
                      queued_at=queued, started_at=started, finished_at=finished, **fields)
        build.set_sources(fields.pop("sources", None) or [("null.web", "null")])
        build.save()
        return build

    return make


@pytest.fixture
def finished_build(make_build, settings, tmp_path):
    """A succeeded build with steps, a log, an AMI in two regions and a file in the artifact store."""
    settings.IMAGEHUB = {**settings.IMAGEHUB, "ARTIFACTS_DIR": tmp_path / "artifacts"}
    build = make_build(variables={"greeting": "hello", "count": 2}, sensitive_names=["password"],
                       current_step="null.web: shell-local", last_seq=3)
    start = build.started_at
    BuildStep.objects.bulk_create([
        BuildStep(build=build, source="null.web", name="StepConnect", started_at=start,
                  finished_at=start + timedelta(seconds=2), outcome="ok"),
        BuildStep(build=build, source="null.web", name="shell-local", phase="provision",
                  started_at=start + timedelta(seconds=2), finished_at=start + timedelta(seconds=50), outcome="ok"),
        BuildStep(build=build, source="null.web", name="StepConnect", phase="cleanup",
                  started_at=start + timedelta(seconds=50), finished_at=start + timedelta(seconds=51), outcome="ok"),
    ])
    BuildLogLine.objects.bulk_create([
        BuildLogLine(build=build, seq=1, time=start, source="null.web", step="", stream="say", text="Running..."),
        BuildLogLine(build=build, seq=2, time=start + timedelta(seconds=3), source="null.web", step="shell-local",
                     stream="stdout", text="hello 2 true"),
        BuildLogLine(build=build, seq=3, time=start + timedelta(seconds=4), source="null.web", step="shell-local",
                     stream="stderr", text="to-stderr"),
    ])
    box = tmp_path / "artifacts" / str(build.pk)
    box.mkdir(parents=True)
    (box / "web.box").write_bytes(b"a vagrant box")
    Artifact.objects.create(build=build, source="amazon-ebs.web", builder_type="amazon-ebs",
                            artifact_id="us-east-1:ami-111,eu-west-1:ami-222",
                            region_ids={"us-east-1": "ami-111", "eu-west-1": "ami-222"},
                            source_image_id="ami-base")
    Artifact.objects.create(build=build, source="null.web", builder_type="null", builder_id="compress",
                            files=[{"name": "web.box", "size": 13, "sha256": "ab" * 32, "path": f"{build.pk}/web.box"},
                                   {"name": "gone.box", "size": None, "sha256": "", "path": ""}])
    return build


# ---------------------------------------------------------------- who may do what

ROLES = {
    "no role": (),
    "viewer": (Role.VIEWER,),
    "builder": (Role.BUILDER,),
    "editor": (Role.EDITOR,),
    "admin": (Role.ADMIN,),
}
MAY_VIEW = {"viewer", "builder", "editor", "admin"}
MAY_BUILD = {"builder", "admin"}


def read_urls(build: Build, artifact: Artifact) -> list[str]:
    return [
        "/builds/",
        "/builds/?status=succeeded",
        f"/builds/templates/{build.template.slug}/",
        f"/builds/{build.pk}/",
        f"/builds/{build.pk}/log.txt",
        f"/builds/{build.pk}/build.json",
        f"/builds/{build.pk}/artifacts/{artifact.pk}/files/0/",
    ]


def outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code in (200, 302), response.status_code
    return "served"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_see_builds_and_act_on_them_exactly_as_it_should(client, make_user, make_build,
                                                                       finished_build, role):
    client.force_login(make_user("someone", *ROLES[role]))
    artifact = finished_build.artifacts.get(builder_type="null")
    for url in read_urls(finished_build, artifact):
        assert outcome(client.get(url)) == ("served" if role in MAY_VIEW else "forbidden"), url
    running = make_build(Build.Status.RUNNING, paused_at=NOW)
    queued = make_build(Build.Status.QUEUED)
    version = finished_build.template_version
    actions = [
        f"/builds/start/{version.template.slug}/{version.number}/",
        f"/builds/{finished_build.pk}/rebuild/",
        f"/builds/{running.pk}/continue/",
        f"/builds/{queued.pk}/cancel/",
    ]
    before = Build.objects.count()
    for url in actions:
        assert outcome(client.post(url)) == ("served" if role in MAY_BUILD else "forbidden"), url
    assert Build.objects.count() == before + (2 if role in MAY_BUILD else 0)
    queued.refresh_from_db()
    assert queued.status == (Build.Status.CANCELLED if role in MAY_BUILD else Build.Status.QUEUED)


def test_anonymous_visitors_are_sent_to_sign_in(client, finished_build):
    artifact = finished_build.artifacts.first()
    for url in read_urls(finished_build, artifact):
        response = client.get(url)
        assert outcome(response) == "login", url
    assert outcome(client.post(f"/builds/{finished_build.pk}/cancel/")) == "login"


def test_a_viewer_is_told_which_role_starts_builds(client, viewer, finished_build):
    client.force_login(viewer)
    response = client.post(f"/builds/{finished_build.pk}/rebuild/")
    assert response.status_code == 403
    assert "may not start builds. Ask an administrator for the <strong>builder</strong> role" in response.text


def test_actions_only_take_posts(client, builder, finished_build):
    client.force_login(builder)
    assert client.get(f"/builds/{finished_build.pk}/rebuild/").status_code == 405
    assert client.post(f"/builds/{finished_build.pk}/").status_code == 405


# ---------------------------------------------------------------- the build list

def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<td><a href="/builds/(\d+)/">#', response.text)]


def test_the_list_shows_builds_newest_first_with_duration_and_links(client, viewer, finished_build, make_build):
    older = make_build(Build.Status.FAILED, queued=NOW - timedelta(days=2), seconds=185)
    client.force_login(viewer)
    response = client.get("/builds/")
    assert row_ids(response) == [finished_build.pk, older.pk]
    assert "3m 05s" in response.text and "1m 00s" in response.text
    assert '<a href="/templates/shell/versions/1/">v1</a>' in response.text
    assert f'<a href="/builds/{finished_build.pk}/#artifacts">2 artifacts</a>' in response.text
    assert '<a href="/builds/templates/shell/">Shell</a>' in response.text


def test_the_list_filters_by_template_status_user_builder_and_date(client, viewer, make_user, make_build,
                                                                  make_template, shell_version):
    other_version = make_template("Other", {"main.pkr.hcl": 'source "null" "x" {\n  communicator = "none"\n}\n'
                                                            'build {\n  sources = ["source.null.x"]\n}\n'})
    alice = make_user("alice", Role.BUILDER)
    # Anchored at midday so that the day filters below do not depend on the hour the test runs at.
    midday = timezone.localtime(NOW).replace(hour=12, minute=0, second=0)
    failed = make_build(Build.Status.FAILED, user=alice, queued=midday - timedelta(days=3))
    docker = make_build(sources=[("docker.app", "docker")], queued=midday - timedelta(days=1))
    other = make_build(version=other_version, queued=midday - timedelta(hours=2))
    client.force_login(viewer)
    assert row_ids(client.get("/builds/?status=failed")) == [failed.pk]
    assert row_ids(client.get("/builds/?template=other")) == [other.pk]
    assert row_ids(client.get("/builds/?user=alice")) == [failed.pk]
    assert row_ids(client.get("/builds/?builder=docker")) == [docker.pk]
    since = (midday - timedelta(days=2)).date().isoformat()
    until = (midday - timedelta(days=1)).date().isoformat()
    assert row_ids(client.get(f"/builds/?since={since}&until={until}")) == [docker.pk]
    assert row_ids(client.get("/builds/?status=failed&user=bob")) == []
    response = client.get("/builds/?status=failed&user=bob")
    assert "No build matches these filters." in response.text


def test_an_unknown_filter_value_is_marked_and_filters_nothing(client, viewer, make_build):
    build = make_build()
    client.force_login(viewer)
    response = client.get("/builds/?status=exploded")
    assert row_ids(response) == [build.pk]
    assert "Select a valid choice" in response.text


def test_the_list_is_paginated_and_pages_keep_the_filters(client, viewer, make_build):
    builds = [make_build(queued=NOW - timedelta(minutes=i)) for i in range(views.BUILDS_PER_PAGE + 2)]
    client.force_login(viewer)
    first = client.get("/builds/?status=succeeded")
    assert row_ids(first) == [b.pk for b in builds[:views.BUILDS_PER_PAGE]]
    assert "Page 1 of 2 (27 builds)" in first.text
    assert 'href="?status=succeeded&amp;page=2"' in first.text
    second = client.get("/builds/?status=succeeded&page=2")
    assert row_ids(second) == [b.pk for b in builds[views.BUILDS_PER_PAGE:]]


def test_deep_pages_take_their_keys_from_the_lists_kept_keys(client, viewer, make_build, monkeypatch):
    monkeypatch.setattr(views, "DEEP_PAGES_FROM", views.BUILDS_PER_PAGE)  # from the second page on
    builds = [make_build(queued=NOW - timedelta(minutes=i)) for i in range(views.BUILDS_PER_PAGE + 2)]
    client.force_login(viewer)

    def key_reads(queries) -> list[str]:
        return [query["sql"] for query in queries.captured_queries
                if query["sql"].startswith('SELECT "builds_build"."id" AS') and "IN (" not in query["sql"]]

    with CaptureQueriesContext(connection) as first:
        assert row_ids(client.get("/builds/?status=succeeded&page=2")) == [b.pk for b in builds[-2:]]
    with CaptureQueriesContext(connection) as again:  # another address, the same list: its keys are kept
        assert row_ids(client.get("/builds/?page=2&status=succeeded")) == [b.pk for b in builds[-2:]]
    [every_key] = key_reads(first)
    assert "LIMIT" not in every_key.upper() and key_reads(again) == []
    with CaptureQueriesContext(connection) as first_page:  # kept: the first page takes its keys from them too
        assert row_ids(client.get("/builds/?status=succeeded")) == [b.pk for b in builds[:views.BUILDS_PER_PAGE]]
    assert key_reads(first_page) == []
    newest = make_build(queued=NOW)  # a new token: the keys are read again
    assert row_ids(client.get("/builds/?status=succeeded&page=2")) == [builds[-3].pk, builds[-2].pk, builds[-1].pk]
    assert row_ids(client.get("/builds/?status=succeeded"))[0] == newest.pk


def test_the_list_refreshes_itself_only_while_a_build_on_it_is_unfinished(client, viewer, make_build):
    client.force_login(viewer)
    finished = make_build()
    assert 'hx-trigger="every 3s"' not in client.get("/builds/").text
    running = make_build(Build.Status.RUNNING, current_step="null.web: StepConnect", queued=NOW)
    response = client.get("/builds/")
    assert 'hx-trigger="every 3s"' in response.text
    assert "null.web: StepConnect" in response.text
    fragment = client.get("/builds/", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="build-results"')
    assert "<html" not in fragment.text
    assert row_ids(fragment) == [running.pk, finished.pk]


def test_the_count_and_the_filters_are_kept_until_a_build_is_added_or_moves_on(client, viewer, make_user,
                                                                               make_build):
    client.force_login(viewer)
    first = make_build()

    def counts(queries) -> int:
        return len([query for query in queries.captured_queries if 'COUNT(*) AS "__COUNT"' in query["sql"].upper()])

    with CaptureQueriesContext(connection) as once:
        assert row_ids(client.get("/builds/?status=succeeded")) == [first.pk]
    with CaptureQueriesContext(connection) as again:
        client.get("/builds/?status=succeeded&page=1")
    assert (counts(once), counts(again)) == (1, 0)
    newcomer = make_user("nora", Role.BUILDER)
    queued = make_build(Build.Status.QUEUED, user=newcomer, queued=NOW)
    page = client.get("/builds/?status=succeeded")
    assert '<option value="nora">nora</option>' in page.text  # a first build makes a new person to filter by
    Build.objects.filter(pk=queued.pk).update(status=Build.Status.SUCCEEDED, started_at=NOW, finished_at=NOW)
    assert row_ids(client.get("/builds/?status=succeeded")) == [queued.pk, first.pk]
    assert row_ids(client.get("/builds/?status=queued")) == []


def test_a_page_of_finished_builds_is_kept_until_a_build_is_added(client, viewer, make_build):
    client.force_login(viewer)
    older, newer = make_build(queued=NOW - timedelta(hours=2)), make_build()
    with CaptureQueriesContext(connection) as once:
        assert row_ids(client.get("/builds/")) == [newer.pk, older.pk]
    with CaptureQueriesContext(connection) as again:
        assert row_ids(client.get("/builds/")) == [newer.pk, older.pk]
    reads = [query["sql"] for query in again.captured_queries if '"builds_build"."id"' in query["sql"]]
    assert reads == [] and len(again.captured_queries) < len(once.captured_queries)
    newest = make_build(queued=NOW)
    assert row_ids(client.get("/builds/")) == [newest.pk, newer.pk, older.pk]


# ---------------------------------------------------------------- a template's history

def test_template_history_shows_the_success_rate_and_a_duration_chart(client, viewer, make_build, shell_version):
    for day, status in enumerate(["succeeded", "succeeded", "succeeded", "failed", "lost", "cancelled"]):
        make_build(status, queued=NOW - timedelta(days=10 - day), seconds=60 + day * 30)
    make_build(Build.Status.RUNNING)
    client.force_login(viewer)
    response = client.get("/builds/templates/shell/")
    assert response.status_code == 200
    text = response.text
    assert '<span class="success-rate">60%</span>' in text
    assert "of 5 finished builds succeeded (3 succeeded, 2 failed or lost; 1 cancelled, not counted)" in text
    assert text.count("<circle ") == 6
    assert text.count('class="point-succeeded"') == 3 and 'class="point-lost"' in text
    assert len(row_ids(response)) == 7
    assert 'hx-trigger="every 3s"' in text


def test_a_template_without_finished_builds_says_so(client, viewer, shell_version):
    client.force_login(viewer)
    response = client.get("/builds/templates/shell/")
    assert "No build of Shell has finished yet." in response.text
    assert "<svg" not in response.text
    assert client.get("/builds/templates/no-such/").status_code == 404


# ---------------------------------------------------------------- a build's page

def test_a_finished_builds_steps_and_artifacts_are_read_once_a_running_ones_every_time(client, viewer,
                                                                                         finished_build, make_build):
    client.force_login(viewer)

    def step_reads(path: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(path).text
        return len([q for q in queries.captured_queries
                    if '"builds_buildstep"' in q["sql"] or 'FROM "builds_artifact"' in q["sql"]]), page

    first, page = step_reads(f"/builds/{finished_build.pk}/")
    again, same = step_reads(f"/builds/{finished_build.pk}/")
    summary = slice(page.index('id="build-summary"'), page.index("<h2>Variables</h2>"))
    assert (first, again) == (2, 0) and "shell-local" in same and same[summary] == page[summary]
    running = make_build(Build.Status.RUNNING)
    BuildStep.objects.create(build=running, source="null.web", name="StepConnect", started_at=running.started_at)
    assert [step_reads(f"/builds/{running.pk}/")[0] for _ in range(2)] == [2, 2]


def test_the_build_page_shows_summary_masked_variables_timeline_and_artifacts(client, viewer, finished_build):
    client.force_login(viewer)
    response = client.get(f"/builds/{finished_build.pk}/")
    text = response.text
    assert response.status_code == 200
    assert '<span class="status status-succeeded" data-build-status>Succeeded</span>' in text
    assert "<code>var.greeting</code>" in text and "&quot;hello&quot;" in text
    assert '<code>var.password</code></td><td><span class="masked">(sensitive)</span>' in text
    assert "default-secret" not in text
    assert text.count('<g class="timeline-step">') == 3
    assert ">StepConnect (cleanup)<" in text and "48s" in text and "null.web: StepConnect" not in text
    assert "<td>us-east-1</td><td><code>ami-111</code></td>" in text
    assert "<td>eu-west-1</td><td><code>ami-222</code></td>" in text
    artifact = finished_build.artifacts.get(builder_type="null")
    assert f'href="/builds/{finished_build.pk}/artifacts/{artifact.pk}/files/0/" download>web.box</a>' in text
    assert "gone.box <span class=\"muted\">(not kept)</span>" in text
    assert f'data-socket-path="/ws/builds/{finished_build.pk}/log/"' in text
    assert f'href="/builds/{finished_build.pk}/log.txt" download>Download raw log' in text
    assert "Cancel</button>" not in text and "Rebuild</button>" not in text
    assert "hello 2 true" not in text  # the log comes over the websocket, not in the page


def test_a_builder_may_cancel_a_running_build_and_continue_it_at_a_breakpoint(client, builder, viewer, make_build):
    build = make_build(Build.Status.RUNNING, paused_at=NOW, current_step="null.web: breakpoint")
    client.force_login(builder)
    text = client.get(f"/builds/{build.pk}/").text
    assert "Cancel</button>" in text and "Continue</button>" in text and "Rebuild</button>" in text
    assert "paused at a breakpoint (null.web: breakpoint)" in text
    client.force_login(viewer)
    text = client.get(f"/builds/{build.pk}/").text
    assert "Cancel</button>" not in text and "Continue</button>" not in text
    assert "Someone with the builder role can let it continue." in text


def test_a_queued_build_shows_its_queue_position_and_refreshes_its_summary(client, viewer, make_build):
    first = make_build(Build.Status.QUEUED, queued=NOW - timedelta(minutes=2))
    second = make_build(Build.Status.QUEUED, queued=NOW - timedelta(minutes=1))
    client.force_login(viewer)
    assert '<dd id="build-queue-position">1 (next to start)</dd>' in client.get(f"/builds/{first.pk}/").text
    text = client.get(f"/builds/{second.pk}/").text
    assert '<dd id="build-queue-position">2</dd>' in text
    assert 'hx-trigger="every 5s"' in text


def test_rebuild_with_the_latest_version_is_offered_when_there_is_a_newer_one(client, builder, finished_build):
    client.force_login(builder)
    assert "Rebuild with latest version" not in client.get(f"/builds/{finished_build.pk}/").text
    template = finished_build.template
    catalog.save_version(template, files={**finished_build.template_version.file_texts(), "extra.pkr.hcl": ""},
                         author=builder, message="v2", base_number=1)
    assert "Rebuild with latest version (v2)" in client.get(f"/builds/{finished_build.pk}/").text


def test_the_summary_alone_comes_back_for_htmx(client, viewer, finished_build):
    client.force_login(viewer)
    response = client.get(f"/builds/{finished_build.pk}/", headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<section class="card" id="build-summary"')
    assert "var.greeting" not in response.text and "build-log" not in response.text


def test_a_build_that_does_not_exist_is_not_found(client, viewer):
    client.force_login(viewer)
    for url in ("/builds/99999/", "/builds/99999/log.txt", "/builds/99999/build.json"):
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------- downloads

def test_the_raw_log_is_streamed_as_packer_prints_it_with_timestamps(client, viewer, finished_build):
    client.force_login(viewer)
    response = client.get(f"/builds/{finished_build.pk}/log.txt")
    assert response.streaming
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="build-{finished_build.pk}.log"'
    start = finished_build.started_at
    # Each line's own minute: the lines are 0, 3 and 4 seconds after the start, which may cross a minute.
    stamps = [(start + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M") for offset in (0, 3, 4)]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "==> null.web: Running...", "    null.web: hello 2 true", "==> null.web: to-stderr"]
    assert all(line.startswith(stamp) for line, stamp in zip(lines, stamps, strict=True))


def test_a_long_raw_log_comes_whole_and_in_order_in_chunks(client, viewer, make_build, monkeypatch):
    monkeypatch.setattr(download_views, "LOG_CHUNK", 7)
    build = make_build()
    BuildLogLine.objects.bulk_create(
        BuildLogLine(build=build, seq=seq, time=NOW, source="", step="", stream="stdout", text=f"line {seq}")
        for seq in range(1, 51))
    client.force_login(viewer)
    response = client.get(f"/builds/{build.pk}/log.txt")
    chunks = list(response.streaming_content)
    assert len(chunks) == 8
    assert [line.split(": ", 1)[1] for line in b"".join(chunks).decode().splitlines()] == [
        f"line {seq}" for seq in range(1, 51)]


def test_the_json_export_is_the_builds_full_record(client, viewer, finished_build):
    client.force_login(viewer)
    response = client.get(f"/builds/{finished_build.pk}/build.json")
    assert response["Content-Disposition"] == f'attachment; filename="build-{finished_build.pk}.json"'
    record = json.loads(response.content)
    assert record == json.loads(json.dumps(build_record(finished_build)))
    assert record["variables"]["password"] == "(sensitive)"
    assert len(record["steps"]) == 3 and len(record["artifacts"]) == 2


def test_artifact_files_download_from_the_store_and_nothing_outside_it(client, viewer, finished_build):
    client.force_login(viewer)
    artifact = finished_build.artifacts.get(builder_type="null")
    response = client.get(f"/builds/{finished_build.pk}/artifacts/{artifact.pk}/files/0/")
    assert b"".join(response.streaming_content) == b"a vagrant box"
    assert 'filename="web.box"' in response["Content-Disposition"]
    assert client.get(f"/builds/{finished_build.pk}/artifacts/{artifact.pk}/files/1/").status_code == 404
    assert client.get(f"/builds/{finished_build.pk}/artifacts/{artifact.pk}/files/5/").status_code == 404
    artifact.files = [{"name": "passwd", "size": 1, "sha256": "", "path": "../../../../etc/passwd"}]
    artifact.save()
    assert client.get(f"/builds/{finished_build.pk}/artifacts/{artifact.pk}/files/0/").status_code == 404
    other = Artifact.objects.create(build=Build.objects.create(
        template=finished_build.template, template_version=finished_build.template_version), source="x")
    assert client.get(f"/builds/{finished_build.pk}/artifacts/{other.pk}/files/0/").status_code == 404


# ---------------------------------------------------------------- actions

def test_cancelling_a_queued_build_goes_to_its_page_cancelled(client, builder, make_build):
    build = make_build(Build.Status.QUEUED)
    client.force_login(builder)
    response = client.post(f"/builds/{build.pk}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/builds/{build.pk}/"
    build.refresh_from_db()
    assert build.status == Build.Status.CANCELLED and build.cancel_requested_by == builder


def test_cancelling_a_running_build_asks_its_worker_and_the_page_says_so(client, builder, make_build):
    build = make_build(Build.Status.RUNNING)
    client.force_login(builder)
    response = client.post(f"/builds/{build.pk}/cancel/", follow=True)
    build.refresh_from_db()
    assert build.status == Build.Status.RUNNING and build.cancel_requested_at is not None
    assert "Cancel requested by bob; cleaning up…" in response.text


def test_cancelling_a_finished_build_says_it_is_over(client, builder, finished_build):
    client.force_login(builder)
    response = client.post(f"/builds/{finished_build.pk}/cancel/", follow=True)
    assert f"Build #{finished_build.pk} is already succeeded." in response.text


def test_an_htmx_action_redirects_the_whole_page(client, builder, make_build):
    build = make_build(Build.Status.QUEUED)
    client.force_login(builder)
    response = client.post(f"/builds/{build.pk}/cancel/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == f"/builds/{build.pk}/"


def test_rebuild_starts_the_same_version_and_rebuild_latest_the_newest(client, builder, finished_build):
    catalog.save_version(finished_build.template, files={**finished_build.template_version.file_texts(),
                                                         "extra.pkr.hcl": ""},
                         author=builder, message="v2", base_number=1)
    client.force_login(builder)
    same = client.post(f"/builds/{finished_build.pk}/rebuild/")
    latest = client.post(f"/builds/{finished_build.pk}/rebuild/", {"latest": "1"})
    first, second = Build.objects.filter(rebuild_of=finished_build).order_by("pk")
    assert same["Location"] == f"/builds/{first.pk}/" and latest["Location"] == f"/builds/{second.pk}/"
    assert first.template_version.number == 1 and second.template_version.number == 2
    assert first.status == second.status == Build.Status.QUEUED


def test_continue_lets_a_paused_build_go_on_and_explains_when_there_is_no_pause(client, builder, make_build):
    paused = make_build(Build.Status.RUNNING, paused_at=NOW)
    running = make_build(Build.Status.RUNNING)
    client.force_login(builder)
    assert client.post(f"/builds/{paused.pk}/continue/")["Location"] == f"/builds/{paused.pk}/"
    paused.refresh_from_db()
    assert paused.continue_requested_at is not None
    response = client.post(f"/builds/{running.pk}/continue/", follow=True)
    assert f"Build #{running.pk} is not waiting at a breakpoint." in response.text


def test_build_with_defaults_starts_a_build_of_that_version(client, builder, shell_version):
    client.force_login(builder)
    response = client.post(f"/builds/start/shell/{shell_version.number}/")
    build = Build.objects.get()
    assert response["Location"] == f"/builds/{build.pk}/"
    assert build.variables == {"greeting": "hello", "count": 2, "verbose": True}
    assert build.sensitive_names == ["password"] and build.requested_by == builder
    assert client.post("/builds/start/shell/9/").status_code == 404


def test_build_with_defaults_of_a_version_with_errors_explains_why_not(client, builder, make_template):
    version = make_template("Broken", {"main.pkr.hcl": "build {\n"})
    client.force_login(builder)
    response = client.post(f"/builds/start/broken/{version.number}/", follow=True)
    assert not Build.objects.exists()
    assert "has errors; fix them in a new version before building it." in response.text


# ---------------------------------------------------------------- the launch form

def launch_data(**extra) -> dict:
    return {"var-greeting": "howdy", "var-count": "3", "var-verbose": "on", "var-password": "s3cret-value",
            "build-selection": "all", "build-on_error": "cleanup", "action": "build", **extra}


def test_the_launch_form_offers_build_options_to_builders_only(client, builder, viewer, shell_version):
    client.force_login(builder)
    text = client.get("/templates/shell/versions/1/variables/").text
    assert 'name="build-selection"' in text and 'value="null.web"' in text and 'name="build-on_error"' in text
    assert 'name="action" value="build"' in text and "Build with defaults</button>" in text
    client.force_login(viewer)
    text = client.get("/templates/shell/versions/1/variables/").text
    assert 'name="action" value="build"' not in text and "Build with defaults" not in text
    assert "Check values</button>" in text


def test_submitting_the_launch_form_starts_the_build_and_goes_to_its_page(client, builder, shell_version):
    client.force_login(builder)
    response = client.post("/templates/shell/versions/1/variables/",
                           launch_data(**{"build-selection": "only", "build-sources": ["null.web"],
                                          "build-on_error": "abort"}))
    build = Build.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/builds/{build.pk}/"
    assert build.variables == {"greeting": "howdy", "count": 3, "verbose": True}
    assert build.only == ["null.web"] and build.except_names == [] and build.on_error == "abort"
    page = client.get(response["Location"]).text
    assert "s3cret-value" not in page and "howdy" in page


def test_the_launch_form_over_htmx_redirects_the_whole_page(client, builder, shell_version):
    client.force_login(builder)
    response = client.post("/templates/shell/versions/1/variables/", launch_data(),
                           headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"/builds/{Build.objects.get().pk}/"


def test_checking_values_does_not_build(client, builder, shell_version):
    client.force_login(builder)
    response = client.post("/templates/shell/versions/1/variables/", launch_data(action="check"))
    assert response.status_code == 200 and "Resolved variables" in response.text
    assert not Build.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"var-count": "many"}, "This is not a number"),
        ({"build-selection": "only"}, "Tick the sources to build only."),
        ({"build-selection": "except", "build-sources": ["null.web"]},
         "Every source is excluded, so nothing would be built."),
        ({"build-on_error": "explode"}, "Select a valid choice."),
    ],
)
def test_a_launch_refused_by_the_form_or_its_options_builds_nothing_and_says_why(client, builder, shell_version,
                                                                             changes, message):
    client.force_login(builder)
    response = client.post("/templates/shell/versions/1/variables/", launch_data(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert not Build.objects.exists()


def test_a_viewer_may_not_build_from_the_launch_form(client, viewer, shell_version):
    client.force_login(viewer)
    response = client.post("/templates/shell/versions/1/variables/", launch_data())
    assert response.status_code == 403 and "may not start builds" in response.text
    assert not Build.objects.exists()


def test_the_list_costs_the_same_queries_for_a_few_builds_or_a_full_page(client, viewer, make_build,
                                                                         django_assert_max_num_queries):
    client.force_login(viewer)
    make_build()
    with CaptureQueriesContext(connection) as few:
        client.get("/builds/")
    for _ in range(views.BUILDS_PER_PAGE):
        make_build(Build.Status.RUNNING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/builds/")


def test_template_history_costs_the_same_queries_for_a_few_builds_or_many(client, viewer, make_build,
                                                                        django_assert_max_num_queries):
    client.force_login(viewer)
    make_build()
    with CaptureQueriesContext(connection) as few:
        client.get("/builds/templates/shell/")
    for hours in range(2, 40):
        make_build(Build.Status.FAILED if hours % 3 else Build.Status.SUCCEEDED, queued=NOW - timedelta(hours=hours))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/builds/templates/shell/")

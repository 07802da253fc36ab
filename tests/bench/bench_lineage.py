"""Benchmark of lineage at scale on PostgreSQL: 100,000 artifacts in chains up to depth 10.

A database of its own (imagehub_bench_lineage_<random>, created on the
Postgres server at $IMAGEHUB_TEST_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/test, and dropped at the end however the
run ends) is migrated and filled with:

* `--families` (20) families of 10 templates each, a chain: level 0 builds
  from external base images (`--roots`, 50), level k from the images of
  level k-1 of its family, each build taking one of the ~20 latest images
  of the level above (so older images have several children, newer ones
  none yet, and many images are outdated);
* `--artifacts` (100,000) successful builds spread evenly over the
  templates, each with one amazon-ebs artifact: an AMI in us-east-1, and in
  one build out of ten a copy in eu-west-1 (a second image node);
* a `production` channel per template at its latest build, with history,
  and for 30% of the builds of levels 1-9 the record that they took their
  parent from that channel (the imagehub-image data source).

Then, for `--samples` images picked at random (a third deep in the chains,
a third in the middle, a third at level 0) and for every external root:

* "queries": what an image page asks of the database and computes from it
  (builds.image_views.image_context): the image and its ancestors (one
  recursive query), its first page of descendants (one recursive query, at most 100 + 1),
  their templates, their statuses (current/outdated/revoked with reasons),
  channels, and the picture's geometry;
* "page": the whole image page through Django's test client as a signed-in
  viewer (the view, the SVG picture, the HTML), once with the database
  connection kept between requests (CONN_MAX_AGE=None) and once with a new
  connection for the request, as Django does by default (CONN_MAX_AGE=0,
  ImageHub's setting today), so connecting to Postgres is part of the time;
  with the first, the CPU time of this process (Django's side, not
  Postgres's), which the machine's load does not stretch as it does wall
  time.

Times are wall-clock milliseconds in this one process (client and server
share it); p50, p95 and max are printed as a markdown table with the
counts, the machine's load average and the Postgres version.

Target (issue 7): p95 <= 100 ms for an image page's ancestors and descendants.

Run: python tests/bench/bench_lineage.py [--artifacts N] [--families N] [--roots N] [--samples N] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

POSTGRES_URL = os.environ.get("IMAGEHUB_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
LEVELS = 10
BATCH = 5000
TEMPLATE_TEXT = 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n'


def create_database() -> tuple[str, str]:
    import psycopg

    name = f"imagehub_bench_lineage_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(POSTGRES_URL)
    return name, urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(database_url: str, data_dir: str) -> None:
    os.environ.update({"DATABASE_URL": database_url, "IMAGEHUB_DATA_DIR": data_dir,
                       "DJANGO_SETTINGS_MODULE": "imagehub.settings", "ALLOWED_HOSTS": "testserver"})
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def populate(artifacts: int, families: int, roots: int, seed: int = 7) -> dict:
    """Fill the database as the module's docstring says; return counts."""
    from django.utils import timezone

    from builds.channel_models import Channel, ChannelEvent, ImageUse
    from builds.lineage_models import ImageNode
    from builds.models import Artifact, Build
    from imagehub.models import PackerTemplate, TemplateVersion, content_hash

    rng = random.Random(seed)
    start = timezone.now() - timedelta(days=365)
    externals = ImageNode.objects.bulk_create([
        ImageNode(kind="external", image_id=f"ami-ext{n:014x}", region="us-east-1", name=f"ubuntu-{n}",
                  owner="099720109477", owner_name="amazon", image_created="2025-01-01T00:00:00.000Z")
        for n in range(roots)])
    per_template = artifacts // (families * LEVELS)
    templates: dict[tuple[int, int], PackerTemplate] = {}
    for family in range(families):
        for level in range(LEVELS):
            name = f"family-{family:02d}-level-{level}"
            templates[(family, level)] = PackerTemplate.objects.create(name=name, slug=name)
    versions = {key: TemplateVersion.objects.create(template=template, number=1, is_valid=True,
                                                    content_hash=content_hash({"main.pkr.hcl": TEMPLATE_TEXT}))
                for key, template in templates.items()}
    nodes_of: dict[tuple[int, int], list[ImageNode]] = {}
    counts = {"templates": len(templates), "builds": 0, "artifacts": 0, "image nodes": roots, "channel uses": 0}
    moment = 0
    for level in range(LEVELS):
        for family in range(families):
            key = (family, level)
            template, version = templates[key], versions[key]
            builds = []
            for _ in range(per_template):
                moment += 1
                when = start + timedelta(seconds=moment * 30)
                builds.append(Build(template=template, template_version=version, status="succeeded",
                                    queued_at=when, started_at=when, finished_at=when + timedelta(minutes=5),
                                    sources=["amazon-ebs.web"], builder_types=" amazon-ebs "))
            builds = Build.objects.bulk_create(builds, batch_size=BATCH)
            parents_above = nodes_of.get((family, level - 1), [])
            records, plans = [], []
            for index, build in enumerate(builds):
                if level == 0:
                    parent = externals[family % roots] if rng.random() < 0.8 else rng.choice(externals)
                else:
                    # one of the ~20 latest images of the level above at the time of this build
                    reach = min(len(parents_above) - 1, index)
                    parent = parents_above[rng.randint(max(0, reach - 20), reach)]
                regions = {"us-east-1": f"ami-{build.pk:017x}"}
                if rng.random() < 0.1:
                    regions["eu-west-1"] = f"ami-{build.pk + 10**12:017x}"
                records.append(Artifact(build=build, source="amazon-ebs.web", builder_type="amazon-ebs",
                                        builder_id="mitchellh.amazonebs", region_ids=regions,
                                        artifact_id=",".join(f"{r}:{i}" for r, i in sorted(regions.items())),
                                        source_image_id=parent.image_id,
                                        metadata={"amis": regions, "source_ami": {"id": parent.image_id},
                                                  "generated_data": {"BuildRegion": "us-east-1"}}))
                plans.append((build, parent, regions))
            records = Artifact.objects.bulk_create(records, batch_size=BATCH)
            nodes = []
            for artifact, (build, parent, regions) in zip(records, plans, strict=True):
                for region, image_id in sorted(regions.items()):
                    nodes.append(ImageNode(kind="artifact", image_id=image_id, region=region,
                                           builder_type="amazon-ebs", artifact=artifact, build=build,
                                           template=template, source="amazon-ebs.web", parent=parent,
                                           parent_via="source image id", created_at=build.finished_at))
            nodes = ImageNode.objects.bulk_create(nodes, batch_size=BATCH)
            nodes_of[key] = [node for node in nodes if node.region == "us-east-1"]
            counts["builds"] += len(builds)
            counts["artifacts"] += len(records)
            counts["image nodes"] += len(nodes)
            channel = Channel.objects.create(template=template, name="production", build=builds[-1])
            ChannelEvent.objects.bulk_create([
                ChannelEvent(channel=channel, action="assign", build=build, previous_build=previous, at=build.finished_at)
                for previous, build in zip([None, *builds[-3:-1]], builds[-3:], strict=True)])
            if level > 0:
                above = Channel.objects.get(template=templates[(family, level - 1)], name="production")
                uses = [ImageUse(build=build, image=parent, channel=above)
                        for build, parent, _ in plans if rng.random() < 0.3]
                ImageUse.objects.bulk_create(uses, batch_size=BATCH)
                counts["channel uses"] += len(uses)
    return {**counts, "nodes by template": per_template, "_nodes": nodes_of, "_externals": externals}


def page_queries(pk: int) -> int:
    """What an image page asks of the database (and computes from it); returns how many images it shows."""
    from builds.image_views import image_context

    context = image_context(pk)
    return 1 + len(context["ancestors"]) + len(context["descendants"])


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{statistics.median(ordered):.1f} / {p95:.1f} / {ordered[-1]:.1f}"


def _timed(action) -> tuple[float, float, object]:
    """Wall-clock and this process's CPU milliseconds of `action()`, and its value."""
    started, cpu = time.perf_counter(), time.process_time()
    value = action()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, value


def measure(samples: list[tuple[str, int]], client) -> list[str]:
    """Time each sample three ways: the page's queries on an open connection; the page with the connection kept
    between requests (CONN_MAX_AGE=None); the page opening a connection per request (the default, 0)."""
    from django.db import connections

    settings = connections["default"].settings_dict
    columns = ("queries", "page, kept connection", "its CPU time", "page, new connection")
    by_kind: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, list[int]] = {}
    page_queries(samples[0][1])  # warm-up, not counted: the first request loads templates and code
    client.get(f"/builds/images/{samples[0][1]}/")
    for kind, pk in samples:
        settings["CONN_MAX_AGE"] = None
        queries, _, judged = _timed(lambda pk=pk: page_queries(pk))
        kept, cpu, response = _timed(lambda pk=pk: client.get(f"/builds/images/{pk}/"))
        assert response.status_code == 200, response.status_code
        settings["CONN_MAX_AGE"] = 0
        client.get("/login/")  # this request's end closes the kept connection
        fresh, _, response = _timed(lambda pk=pk: client.get(f"/builds/images/{pk}/"))
        assert response.status_code == 200, response.status_code
        for group in (kind, "all"):
            entry = by_kind.setdefault(group, {column: [] for column in columns})
            for column, value in zip(columns, (queries, kept, cpu, fresh), strict=True):
                entry[column].append(value)
            sizes.setdefault(group, []).append(judged)
    rows = ["| images | n | nodes on the page (median / max) | "
            + " | ".join(f"{column}: p50 / p95 / max (ms)" for column in columns) + " |",
            "|---|---:|---:|" + "---:|" * len(columns)]
    for group in ("deep (levels 7-9)", "middle (levels 3-6)", "level 0", "external roots", "all"):
        if group not in by_kind:
            continue
        entry = by_kind[group]
        rows.append(f"| {group} | {len(entry['queries'])} | {int(statistics.median(sizes[group]))} / "
                    f"{max(sizes[group])} | " + " | ".join(summary(entry[column]) for column in columns) + " |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--artifacts", type=int, default=100_000)
    parser.add_argument("--families", type=int, default=20)
    parser.add_argument("--roots", type=int, default=50)
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is printed)")
    options = parser.parse_args()
    name, url = create_database()
    print(f"database {name}", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="imagehub-bench-lineage-") as data_dir:
            setup_django(url, data_dir)
            from django.db import connection
            from django.test import Client

            from tests.bench.dashboard_data import make_user

            started = time.perf_counter()
            counts = populate(options.artifacts, options.families, options.roots)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0]
            print(f"populated in {time.perf_counter() - started:.0f}s: "
                  + ", ".join(f"{value} {key}" for key, value in counts.items() if not key.startswith("_")),
                  flush=True)
            rng = random.Random(11)
            nodes_of, externals = counts["_nodes"], counts["_externals"]
            groups = {"deep (levels 7-9)": (7, 8, 9), "middle (levels 3-6)": (3, 4, 5, 6), "level 0": (0,)}
            samples = []
            for kind, levels in groups.items():
                pool = [node.pk for (_, level), nodes in nodes_of.items() if level in levels for node in nodes]
                samples += [(kind, pk) for pk in rng.sample(pool, options.samples // 3)]
            samples += [("external roots", node.pk) for node in externals]
            rng.shuffle(samples)
            client = Client()
            client.force_login(make_user("viewer", "VIEWER"))
            rows = measure(samples, client)
            load = os.getloadavg()
            print(f"\nPostgreSQL {version}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
                  f"{os.cpu_count()} CPUs\n")
            print("\n".join(rows))
    finally:
        if options.keep:
            print(f"kept database {name}")
        else:
            if "django" in sys.modules:
                from django.db import connections

                connections.close_all()
            drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the build list and the build page at scale: 10,000 builds, 5,000,000 log lines, 20 clients.

A fresh Postgres database (tests/fixtures/scaled.py) is migrated and
filled with SQL from generate_series, in seconds: --templates templates
(one version each), --builds builds over the last months (succeeded,
failed, cancelled, lost; the newest few queued or running) with ten steps
each and an artifact per successful build, and --lines log lines: the
newest build has a million of them (or all, when fewer), the others share
the rest; then VACUUM ANALYZE, as autovacuum would soon do. Then `daphne
imagehub.asgi:application` serves it (--webs processes, the scaled
runtime's settings: Postgres and Redis), and --clients clients, signed in as
a viewer, each send requests back to back (or --think seconds apart on
average, exponentially distributed, as people reading pages would) over
real HTTP on 127.0.0.1, each on a connection it keeps open, for --seconds
seconds after a warm-up. The clients are wrk's (tests/bench/wrk_load.py, a
load generator in C that leaves the two cores to the server); each kind of
request has its share of them, spread over the web processes as a proxy
would:

- the build list (45 % of clients): pages 1 to the last, and filtered by
  status, template, user and builder type;
- build pages of random builds, the million-line one a tenth of the time
  (45 %; the page loads the log lazily, over the websocket);
- a template's build history: its success rate, duration chart and
  builds (10 %).

Each request is timed from sending to the last byte of the answer; p50,
p95, p99 and max are reported per kind, with the load of the machine.

Target (issue 6): p95 <= 100 ms for the build list and the build page.

Needs wrk (apt-get install wrk).
--floor adds a first round in which every client asks for the home page: a
signed-in page that reads nothing of the builds, the cost of the stack alone.
The first back-to-back round sees nearly every page for the first time
(nothing of it kept yet); --think 0 0 runs a second one, which finds what
the first kept. --against TREE serves the same site from another checkout
too (its own web processes and Redis prefix) and runs each round on it
right after this one's; with --alternate PAIRS, short rounds of the two in
turn follow, and their medians: this machine's speed drifts within
minutes, and interleaved rounds see the same drift.

Run: python tests/bench/bench_build_pages.py [--builds N] [--lines N] [--clients N] [--webs N [N ...]] [--seconds S]
     [--think S [S ...]] [--floor] [--against TREE [--alternate PAIRS]] [--profile DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.bench import wrk_load  # noqa: E402
from tests.fixtures.scaled import HttpSession, ScaledSite  # noqa: E402

PASSWORD = "benchmark password 1"
TARGET_P95_MS = 100
TEMPLATE = """
variable "region" {
  type    = string
  default = "eu-west-1"
}

source "null" "web" {
  communicator = "none"
}

build {
  sources = ["source.null.web"]

  provisioner "shell-local" {
    inline = ["echo building in ${var.region}"]
  }
}
"""
SEED = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from imagehub import catalog
from imagehub.roles import Role, assign_role

call_command("migrate", verbosity=0)
users = get_user_model().objects
viewer = users.create_user("viewer", password=PASSWORD)
assign_role(viewer, Role.VIEWER)
for name in ("alice", "bob", "carol", "dave"):
    assign_role(users.create_user(name, password=PASSWORD), Role.BUILDER)
for number in range(TEMPLATES):
    catalog.create_template(name=f"Image {number:03d}", description="", labels=[], owner=None,
                            files={"main.pkr.hcl": TEMPLATE})
"""
# The rows, from generate_series; {builds}, {big}, {each} and {rest} are filled in (see fill()).
FILL = """
WITH templates AS (SELECT array_agg(t.id ORDER BY t.id) AS ids, array_agg(v.id ORDER BY t.id) AS versions
                   FROM imagehub_packertemplate t JOIN imagehub_templateversion v ON v.template_id = t.id),
     people AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user WHERE username <> 'viewer')
INSERT INTO builds_build (variables, sensitive_names, sensitive_variables, given_names, preset, "only",
                          except_names, on_error, sources, builder_types, status, queued_at, started_at,
                          finished_at, task_id, worker_host, heartbeat_at, current_step, last_seq, exit_reason,
                          ledger_ids, recorded_from_cli, requested_by_id, template_id, template_version_id)
SELECT '{{"region": "eu-west-1"}}', '[]', '', '["region"]', '', '[]', '[]', 'cleanup',
       CASE WHEN n % 4 = 0 THEN '["docker.app"]'::jsonb ELSE '["amazon-ebs.web"]'::jsonb END,
       CASE WHEN n % 4 = 0 THEN ' docker ' ELSE ' amazon-ebs ' END,
       CASE WHEN n <= 2 THEN 'running' WHEN n <= 4 THEN 'queued'
            ELSE (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'cancelled',
                        'succeeded', 'lost'])[1 + n % 8] END,
       now() - make_interval(mins => n * 13),
       CASE WHEN n <= 4 AND n > 2 THEN NULL ELSE now() - make_interval(mins => n * 13) + interval '4 seconds' END,
       CASE WHEN n <= 4 THEN NULL
            ELSE now() - make_interval(mins => n * 13) + make_interval(secs => 64 + (n * 37) % 900) END,
       '', 'worker-' || (n % 3), CASE WHEN n <= 2 THEN now() END,
       CASE WHEN n <= 2 THEN 'amazon-ebs.web: provisioner shell' ELSE '' END,
       0, CASE WHEN n % 8 = 3 THEN 'amazon-ebs.web: Script exited with non-zero exit status: 1' ELSE '' END,
       '[]', false, people.ids[1 + n % array_length(people.ids, 1)],
       templates.ids[1 + n % array_length(templates.ids, 1)],
       templates.versions[1 + n % array_length(templates.ids, 1)]
FROM generate_series(1, {builds}) AS n, templates, people;

INSERT INTO builds_buildstep (source, name, phase, started_at, finished_at, outcome, build_id)
SELECT 'amazon-ebs.web',
       (ARRAY['StepSourceAMIInfo', 'StepKeyPair', 'StepSecurityGroup', 'StepRunSourceInstance', 'StepConnect',
              'provisioner shell', 'StepStopInstance', 'StepCreateAMI', 'StepAMIRegionCopy', 'StepCreateTags'])[k],
       CASE WHEN k = 6 THEN 'provision' ELSE 'run' END,
       b.started_at + make_interval(secs => k * 6), b.started_at + make_interval(secs => k * 6 + 5), 'ok', b.id
FROM builds_build b, generate_series(1, 10) AS k WHERE b.started_at IS NOT NULL AND b.finished_at IS NOT NULL;

INSERT INTO builds_artifact (source, builder_type, builder_id, artifact_id, description, region_ids, files,
                             source_image_id, metadata, created_at, build_id)
SELECT 'amazon-ebs.web', 'amazon-ebs', 'mitchellh.amazonebs', 'eu-west-1:ami-' || lpad(to_hex(b.id), 17, '0'),
       'AMIs were created', jsonb_build_object('eu-west-1', 'ami-' || lpad(to_hex(b.id), 17, '0')), '[]',
       'ami-0source', '{{}}', b.finished_at, b.id
FROM builds_build b WHERE b.status = 'succeeded';

-- The newest finished build has {big} lines, the others share the rest ({rest} of them one line more).
INSERT INTO builds_buildlogline (build_id, seq, time, source, step, stream, text)
SELECT b.id, s, b.started_at + make_interval(secs => s / 1000.0), 'amazon-ebs.web', 'provisioner shell', 'stdout',
       'line ' || s || ' of build ' || b.id || ': the quick brown fox jumps over the lazy dog'
FROM (SELECT id, started_at FROM builds_build WHERE finished_at IS NOT NULL ORDER BY queued_at DESC LIMIT 1) b,
     generate_series(1, {big}) AS s;

INSERT INTO builds_buildlogline (build_id, seq, time, source, step, stream, text)
SELECT b.id, s, b.started_at + make_interval(secs => s / 1000.0), 'amazon-ebs.web', 'provisioner shell',
       CASE WHEN s % 50 = 0 THEN 'stderr' ELSE 'stdout' END,
       'line ' || s || ' of build ' || b.id || ': the quick brown fox jumps over the lazy dog'
FROM (SELECT id, started_at, row_number() OVER (ORDER BY id) AS r FROM builds_build
      WHERE started_at IS NOT NULL AND id NOT IN (
          SELECT id FROM builds_build WHERE finished_at IS NOT NULL ORDER BY queued_at DESC LIMIT 1)) b,
     generate_series(1, {each} + CASE WHEN b.r <= {rest} THEN 1 ELSE 0 END) AS s;

UPDATE builds_build b SET last_seq = coalesce((SELECT max(seq) FROM builds_buildlogline l WHERE l.build_id = b.id), 0);
"""


def fill(site: ScaledSite, builds: int, lines: int) -> dict:
    """Insert the builds, steps, artifacts and log lines; return how many of each and how long it took."""
    import psycopg

    started = time.monotonic()
    big = min(1_000_000, lines)
    started_builds = builds - 2  # the two queued ones have no log
    each, rest = divmod(max(0, lines - big), max(1, started_builds - 1))
    with psycopg.connect(site.database_url, autocommit=True) as connection:
        connection.execute(FILL.format(builds=builds, big=big, each=each, rest=rest))
        # What autovacuum does to freshly loaded tables within a minute or two: statistics, and the visibility
        # map that lets an index-only scan (a page of the list, deep down) skip the table.
        connection.execute("VACUUM ANALYZE")
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("builds_build", "builds_buildstep", "builds_artifact", "builds_buildlogline")}
        big_pk = connection.execute("SELECT build_id FROM builds_buildlogline GROUP BY build_id "
                                    "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        pks = [row[0] for row in connection.execute("SELECT id FROM builds_build")]
        slugs = [row[0] for row in connection.execute("SELECT slug FROM imagehub_packertemplate")]
    return {"counts": counts, "seconds": time.monotonic() - started, "big_pk": big_pk, "pks": pks, "slugs": slugs}


# What the clients ask for: the build list 45 %, a build page 45 %, a template's history 10 % of the time.
KINDS = (("build list", 0.45), ("build page", 0.45), ("template history", 0.10))
# The floor: a signed-in page that reads nothing of the catalog or the builds (session, user, page shell).
FLOOR_KINDS = (("home page", 1.0),)
EXPECTED = {"build list": 'id="build-results"', "build page": "build-log", "template history": 'id="build-results"',
            "home page": "ImageHub"}


def request_urls(data: dict, builds: int, count: int = 3000) -> dict[str, list[str]]:
    """For each kind of request, `count` paths drawn as the clients would ask for them (wrk picks among them)."""
    chooser = random.Random(6)
    pages = max(1, (builds + 24) // 25)
    statuses = ("succeeded", "failed", "cancelled", "lost", "running")

    def build_list() -> str:
        choice = chooser.random()
        if choice < 0.6:
            return f"/builds/?page={chooser.randint(1, pages)}"
        if choice < 0.7:
            return f"/builds/?status={chooser.choice(statuses)}&page={chooser.randint(1, 20)}"
        if choice < 0.8:
            return f"/builds/?template={chooser.choice(data['slugs'])}&page={chooser.randint(1, 5)}"
        if choice < 0.9:
            return f"/builds/?user={chooser.choice(('alice', 'bob', 'carol', 'dave'))}&page={chooser.randint(1, 50)}"
        return f"/builds/?builder={chooser.choice(('docker', 'amazon-ebs'))}&page={chooser.randint(1, 50)}"

    def build_page() -> str:
        return f"/builds/{data['big_pk'] if chooser.random() < 0.1 else chooser.choice(data['pks'])}/"

    def history() -> str:
        return f"/builds/templates/{chooser.choice(data['slugs'])}/"

    makers = {"build list": build_list, "build page": build_page, "template history": history}
    return {kind: [make() for _ in range(count)] for kind, make in makers.items()}


def connections_of(clients: int, webs: int, kinds=KINDS) -> list[tuple[str, int, int]]:
    """(kind, web index, connections) for every wrk run: each kind its share of the clients, spread over the webs.

    A kind's clients that do not divide evenly go to the next webs in turn
    (not always to the first ones), so every web has as many clients as the
    others, give or take one, as a proxy taking them in turn would give it.
    """
    runs = []
    turn = 0
    for kind, share in kinds:
        connections = max(1, round(clients * share))
        extra = connections % webs
        for web in range(webs):
            mine = connections // webs + (1 if (web - turn) % webs < extra else 0)
            if mine:
                runs.append((kind, web, mine))
        turn = (turn + extra) % webs
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--templates", type=int, default=40)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--webs", type=int, nargs="+", default=[2],
                        help="web processes (daphne), taken in turn; several values: the rounds again with each")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--think", type=float, nargs="+", default=[0.0],
                        help="mean seconds a client waits between requests, a round for each value given "
                             "(default 0: back to back)")
    parser.add_argument("--floor", action="store_true",
                        help="first a round in which every client asks for the home page, back to back")
    parser.add_argument("--against", type=Path, default=None, metavar="TREE",
                        help="also serve the site from another checkout of ImageHub (git worktree add TREE COMMIT) "
                             "with as many web processes, and run each round on it right after this one's: a "
                             "comparison within one phase of a machine whose speed drifts")
    parser.add_argument("--alternate", type=int, default=0, metavar="PAIRS",
                        help="with --against: then PAIRS pairs of short back-to-back rounds (--alternate-seconds "
                             "each, which tree goes first alternating) and the medians of their figures per tree")
    parser.add_argument("--alternate-seconds", type=float, default=8)
    parser.add_argument("--profile", type=Path, default=None,
                        help="record py-spy stacks of the first web process (samples holding the interpreter lock, "
                             "so its CPU rather than its waits) into this directory")
    options = parser.parse_args()

    directory = Path(tempfile.mkdtemp(prefix="imagehub-bench-pages-"))
    with ScaledSite(directory / "scaled") as site:
        webs = [site.start_web(f"web-{n + 1}") for n in range(max(options.webs))]
        sets = [("", webs)]
        if options.against:
            tree = options.against.resolve()
            # Its own Redis prefix: neither finds what the other kept (its sessions come from the database).
            environment = {"PYTHONPATH": str(tree), "REDIS_PREFIX": f"{site.prefix}-against"}
            sets.append((f" [{tree}]", [site.start_web(f"against-{n + 1}", environment, tree)
                                        for n in range(max(options.webs))]))
        seed = (SEED.replace("PASSWORD", repr(PASSWORD)).replace("TEMPLATES", str(options.templates))
                .replace("TEMPLATE", repr(TEMPLATE)))
        started = time.monotonic()
        site.python(seed, name="migrate")
        print(f"Migrated and seeded in {time.monotonic() - started:.1f} s", flush=True)
        data = fill(site, options.builds, options.lines)
        print(f"Filled in {data['seconds']:.1f} s: {data['counts']}", flush=True)
        for web in [web for _, every in sets for web in every]:
            site.wait_for_web(web)
        browser = HttpSession(webs[0].port)
        browser.log_in("viewer", PASSWORD)
        # Every cookie the browser keeps: without the CSRF cookie, each page would make and set a new one.
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        urls = request_urls(data, options.builds)
        for count in options.webs:
            if options.floor:
                for label, every in sets:
                    run_round(options, 0.0, every[:count], cookie, {"home page": ["/"]}, FLOOR_KINDS, label)
            for think in options.think:
                for label, every in sets:
                    run_round(options, think, every[:count], cookie, urls, KINDS, label)
            if options.alternate and len(sets) > 1:
                alternate(options, [(label, every[:count]) for label, every in sets], cookie, urls)


def alternate(options, sets: list, cookie: str, urls: dict[str, list[str]]) -> None:
    """Short back-to-back rounds of each set of web processes in turn, the first set first every other time; print
    the medians of each set's figures. The machine's speed drifts within minutes: rounds this short and
    interleaved see the same drift."""
    import statistics

    figures: dict[str, list[dict]] = {label: [] for label, _ in sets}
    for pair in range(options.alternate):
        for label, webs in (sets if pair % 2 == 0 else sets[::-1]):
            figures[label].append(run_round(options, 0.0, webs, cookie, urls, KINDS, label,
                                            seconds=options.alternate_seconds, warmup=1.0, quiet=True))
    print(f"\n{options.alternate} pairs of {options.alternate_seconds:g} s rounds, back to back, "
          f"{len(sets[0][1])} web processes each, taken in turn; medians:")
    print("| web processes | requests/s | web + Postgres CPU per request | build list p95 | build page p95 |")
    print("|---|---:|---:|---:|---:|")
    for label, rounds in figures.items():
        median = {name: statistics.median(each[name] for each in rounds) for name in rounds[0]}
        print(f"| {label.strip() or 'this tree'} | {median['rate']:.0f} | {median['web']:.2f} + "
              f"{median['database']:.2f} ms | {median['build list']:.0f} ms | {median['build page']:.0f} ms |",
              flush=True)


def run_round(options, think: float, webs: list, cookie: str, urls: dict[str, list[str]], kinds=KINDS,
              label: str = "", *, seconds: float | None = None, warmup: float | None = None,
              quiet: bool = False) -> dict:
    """One round of requests by every client (a warm-up first, not counted); print its figures unless `quiet`,
    and return the main ones (requests/s, CPU per request in ms, each kind's p95 in ms)."""
    seconds = options.seconds if seconds is None else seconds
    warmup = options.warmup if warmup is None else warmup
    from tests.bench.bench_log_pipeline import cpu_seconds, service_pids

    runs = connections_of(options.clients, len(webs), kinds)

    def start_all(seconds: float) -> list:
        return [(kind, wrk_load.start(f"http://127.0.0.1:{webs[web].port}", cookies=[cookie], urls=urls[kind],
                                      connections=connections, seconds=seconds, think=think,
                                      expect=EXPECTED[kind]))
                for kind, web, connections in runs]

    for _, process in start_all(warmup):
        wrk_load.collect(process)
    load_before = os.getloadavg()
    databases = service_pids(("postgres",))
    cpu_before = {pid: cpu_seconds(pid) for pid in [*(web.pid for web in webs), *databases]}
    spy = None
    if options.profile:
        import subprocess

        options.profile.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(webs[0].pid),
                                "--rate", "200", "--format", "raw", "--threads", "--gil", "--nonblocking", "--output",
                                str(options.profile / f"web-{'floor' if kinds is FLOOR_KINDS else f'{think:g}'}.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[str, wrk_load.Load] = {}
    for kind, process in start_all(seconds):
        results.setdefault(kind, wrk_load.Load()).merge(wrk_load.collect(process))
    if spy is not None:
        import signal

        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    load_after = os.getloadavg()
    started_databases = [pid for pid in service_pids(("postgres",)) if pid not in databases]
    cpu_after = {pid: cpu_seconds(pid) for pid in [*(web.pid for web in webs), *databases, *started_databases]}
    web_cpu = sum(cpu_after[web.pid] - cpu_before[web.pid] for web in webs)
    database_cpu = sum(max(0.0, cpu_after[pid] - cpu_before.get(pid, 0.0))
                       for pid in [*databases, *started_databases] if cpu_after[pid])
    failed = {kind: load for kind, load in results.items() if load.failures}
    if failed:
        raise SystemExit("requests failed: " + "; ".join(f"{kind}: {load.failures}, e.g. {load.example}"
                                                         for kind, load in failed.items()))
    total = sum(load.requests for load in results.values())
    summary = {"rate": total / seconds, "web": 1000 * web_cpu / max(1, total),
               "database": 1000 * database_cpu / max(1, total),
               **{kind: results[kind].percentile_ms(95) for kind, _ in kinds}}
    if quiet:
        return summary
    pace = f"{think:g} s apart on average" if think else "back to back"
    print(f"\n{options.clients} clients (wrk) sending requests {pace}, {len(webs)} web processes{label}, "
          f"{seconds:.0f} s measured after {warmup:.0f} s of warm-up; "
          f"load {load_before[0]:.1f} → {load_after[0]:.1f}\n"
          f"{total / seconds:.0f} requests/s; CPU per request: web processes "
          f"{1000 * web_cpu / max(1, total):.1f} ms, Postgres (all of the machine's, connections that ended not "
          f"counted) {1000 * database_cpu / max(1, total):.1f} ms", flush=True)
    print("| kind | requests | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, _ in kinds:
        load = results[kind]
        print(f"| {kind} | {load.requests} | {load.percentile_ms(50):.0f} | {load.percentile_ms(95):.0f} "
              f"| {load.percentile_ms(99):.0f} | {max(load.latencies) / 1000:.0f} |", flush=True)
    return summary


if __name__ == "__main__":
    main()

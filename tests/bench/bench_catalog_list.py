"""Benchmark of the template list at scale: 1,000 templates, 20,000 versions, 10 clients at once.

A throwaway data directory gets the catalog (tests/bench/dashboard_data.py:
each version a copy of the 216-line ten-source fixture with its stored
diagnostics and summary, two labels per template), then `imagehub serve`
(daphne, SQLite in WAL mode: the embedded defaults) starts on it. Ten
clients, each signed in with its own session as a viewer, ask for list pages
at the same time over real HTTP on 127.0.0.1: pages 1-40 by name and by last
save, searches by name and label, a label filter. Each request is timed from
sending to the last byte of the page.

Two rounds: "as used" (the same URLs come back, so most answers come from the
list's results cache, as they would for people paging through the list), and
"every request new" (a unique extra query parameter on every request, so no
page's results are cached and every page is queried and assembled; its rows
come from imagehub.list_rows once each template's row has been rendered,
which the first round did for most of them). The server's CPU time per page
(from /proc, all its threads) is reported too: unlike the latencies, it hardly
depends on what else the machine is doing.

Each request opens a connection of its own (urllib's way). With --keep-alive
two more rounds follow in which every client keeps one connection open, as
a browser does; the target is judged on the first two.

Target (issue 5): p95 <= 100 ms per page.

Run: python tests/bench/bench_catalog_list.py [--clients N] [--requests N] [--templates N] [--versions N]
     [--keep-alive]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.dashboard_data import (  # noqa: E402
    make_user,
    populate_catalog,
    process_cpu_seconds,
    signed_in_opener,
    summary_ms,
    use_data_dir,
)

TARGET_P95_MS = 100


def list_urls(templates: int) -> list[str]:
    """Return the list pages the clients ask for."""
    pages = max(1, (templates + 24) // 25)
    urls = [f"/templates/?page={page}" for page in range(1, pages + 1)]
    urls += [f"/templates/?sort=-updated&page={page}" for page in range(1, pages + 1)]
    urls += [f"/templates/?sort=-name&page={page}" for page in range(1, pages + 1, 5)]
    for word in ("ubuntu", "debian", "web", "0042", "prod"):
        urls += [f"/templates/?q={word}", f"/templates/?q={word}&page=2"]
    for label in ("aws", "gpu", "ml"):
        urls += [f"/templates/?label={label}", f"/templates/?label={label}&sort=-updated"]
    return urls


def run_clients(base_url: str, clients: int, requests: int, urls: list[str], bust_cache: bool,
                server_pid: int, keep_alive: bool = False) -> tuple[list[float], float, float]:
    """Run `clients` threads of `requests` requests each at once.

    Each request opens a connection of its own, or with `keep_alive` each
    client sends all of its requests over one connection, as a browser does.
    Returns every request's time, the wall time, and the server's CPU time over the round.
    """
    openers = [signed_in_opener(base_url, f"reader{n}")[0] for n in range(clients)]
    for opener in openers:
        with opener.open(base_url + "/templates/", timeout=60) as response:
            response.read()
    fetch = [kept_alive(base_url, opener) if keep_alive else opened_by(base_url, opener) for opener in openers]
    timings: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    failures: list[str] = []

    def client(number: int) -> None:
        chooser = random.Random(number)
        mine = []
        start.wait()
        for n in range(requests):
            url = chooser.choice(urls)
            if bust_cache:
                url += f"&round={number}-{n}-{time.monotonic_ns()}"
            began = time.perf_counter()
            try:
                page = fetch[number](url)
            except (OSError, http.client.HTTPException) as error:
                failures.append(f"{url}: {error}")
                continue
            mine.append(time.perf_counter() - began)
            if b'id="template-results"' not in page:
                failures.append(f"{url}: not a list page")
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = process_cpu_seconds(server_pid)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu = process_cpu_seconds(server_pid) - cpu_before
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    return timings, wall, cpu


def opened_by(base_url: str, opener):
    """A function returning the body at a URL path, over a new connection each time."""

    def fetch(url: str) -> bytes:
        with opener.open(base_url + url, timeout=60) as response:
            return response.read()

    return fetch


def kept_alive(base_url: str, opener):
    """A function returning the body at a URL path, over one connection kept open, with the opener's cookies."""
    jar = next(handler.cookiejar for handler in opener.handlers if hasattr(handler, "cookiejar"))
    cookie = "; ".join(f"{each.name}={each.value}" for each in jar)
    host = urllib.parse.urlsplit(base_url).netloc
    connection = http.client.HTTPConnection(host, timeout=60)

    def fetch(url: str) -> bytes:
        connection.request("GET", url, headers={"Cookie": cookie})
        response = connection.getresponse()
        page = response.read()
        if response.status != 200:
            raise OSError(f"status {response.status}")
        return page

    return fetch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100, help="requests per client and round")
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20, help="versions per template")
    parser.add_argument("--keep-alive", action="store_true",
                        help="two more rounds, each client keeping one connection open as a browser does")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="imagehub-bench-list-"))
    use_data_dir(data_dir)
    owner = make_user("owner", "EDITOR")
    for n in range(args.clients):
        make_user(f"reader{n}", "VIEWER")
    began = time.perf_counter()
    populate_catalog(args.templates, args.versions, owner)
    database = data_dir / "db.sqlite3"
    print(f"catalog: {args.templates} templates, {args.templates * args.versions} versions, made in "
          f"{time.perf_counter() - began:.0f} s; database {database.stat().st_size / 1e6:.0f} MB")

    from django.db import connections

    connections.close_all()
    from tests.conftest import find_free_port
    from tests.fixtures.dashboard import ServerProcess, wait_for_port

    port = find_free_port()
    server = ServerProcess(data_dir, port)
    base_url = f"http://127.0.0.1:{port}"
    urls = list_urls(args.templates)
    rows = []
    try:
        wait_for_port(port)
        rounds = [("as used (results cache)", False, False), ("every request new (no cache)", True, False)]
        if args.keep_alive:
            rounds += [("as used, connections kept open", False, True),
                       ("every request new, connections kept open", True, True)]
        for name, bust, keep_alive in rounds:
            load = os.getloadavg()[0]
            timings, wall, cpu = run_clients(base_url, args.clients, args.requests, urls, bust, server.process.pid,
                                             keep_alive)
            rows.append((name, summary_ms(timings), len(timings) / wall, cpu / len(timings) * 1e3, load))
    finally:
        server.kill()

    print(f"{args.clients} clients at once, {args.requests} requests each per round, {len(urls)} distinct list URLs; "
          f"{os.cpu_count()} CPUs")
    print()
    print("| round | requests | median ms | p95 ms | max ms | pages/s | server CPU ms/page | load average at start |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, figures, rate, cpu, load in rows:
        print(f"| {name} | {figures['n']} | {figures['median']:.1f} | {figures['p95']:.1f} | {figures['max']:.1f} "
              f"| {rate:.0f} | {cpu:.1f} | {load:.1f} |")
    worst = max(figures["p95"] for _, figures, _, _, _ in rows[:2])  # the headline: a connection per request
    print(f"\ntarget p95 <= {TARGET_P95_MS} ms: {'met' if worst <= TARGET_P95_MS else 'NOT met'} (worst p95 {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the template list at scale: 1,000 templates, 20,000 versions, 10 clients at once.

A throwaway data directory gets the catalog (tests/bench/dashboard_data.py:
each version a copy of the 216-line ten-source fixture with its stored
diagnostics and summary, two labels per template), then `imagehub serve`
(daphne, SQLite in WAL mode: the embedded defaults) starts on it. Ten
clients, each signed in with its own session as a viewer, ask for list pages
back to back over real HTTP on 127.0.0.1: pages 1-40 by name and by last
save, searches by name and label, a label filter. The clients are wrk's
(tests/bench/wrk_load.py: a load generator in C, so that the clients take
next to nothing of the two cores the server runs on); each request is timed
from sending to the last byte of the page.

Rounds: "as used" (the same URLs come back, so most answers come from the
list's results cache, as they would for people paging through the list),
and "every request new" (a unique extra query parameter on every request,
so no page's results are cached and every page is queried and assembled;
its rows come from imagehub.list_rows once each template's row has been
rendered, which a warm-up pass does first); each with every client keeping
its connection open, as a browser does, then with a connection per request.
The server's CPU time per page (from /proc, all its threads) is reported
too: unlike the latencies, it hardly depends on what else the machine is
doing.

Target (issue 5): p95 <= 100 ms per page, judged with connections kept open.

Needs wrk (apt-get install wrk).
Run: python tests/bench/bench_catalog_list.py [--clients N] [--seconds S] [--templates N] [--versions N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench import wrk_load  # noqa: E402
from tests.bench.dashboard_data import (  # noqa: E402
    make_user,
    populate_catalog,
    signed_in_opener,
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


def sign_in(base_url: str, clients: int) -> list[str]:
    """Sign in `clients` viewers; return each one's Cookie header (session and CSRF cookies)."""
    cookies = []
    for n in range(clients):
        opener, _ = signed_in_opener(base_url, f"reader{n}")
        jar = next(handler.cookiejar for handler in opener.handlers if hasattr(handler, "cookiejar"))
        cookies.append("; ".join(f"{each.name}={each.value}" for each in jar))
    return cookies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15, help="length of each round")
    parser.add_argument("--templates", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20, help="versions per template")
    args = parser.parse_args(argv)
    wrk_load.wrk_path()

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
        cookies = sign_in(base_url, args.clients)
        common = {"cookies": cookies, "urls": urls, "connections": args.clients, "expect": 'id="template-results"'}
        # Every template's row rendered once, as the server would have after a while in use.
        wrk_load.run(base_url, [server.process.pid], seconds=5, bust=True, **common)
        rounds = [("as used (results cache), kept open", False, True),
                  ("every request new, kept open", True, True),
                  ("as used, a connection per request", False, False),
                  ("every request new, a connection per request", True, False)]
        for name, bust, keep_alive in rounds:
            load_average = os.getloadavg()[0]
            load = wrk_load.run(base_url, [server.process.pid], seconds=args.seconds, bust=bust,
                                keep_alive=keep_alive, **common)
            if load.failures:
                raise RuntimeError(f"{load.failures} requests failed in round {name!r}, e.g. {load.example}")
            rows.append((name, load, load_average))
    finally:
        server.kill()

    print(f"{args.clients} clients (wrk) at once, back to back, {args.seconds:g} s per round, {len(urls)} distinct "
          f"list URLs; {os.cpu_count()} CPUs")
    print()
    print("| round | requests | median ms | p95 ms | p99 ms | max ms | pages/s | server CPU ms/page | load average |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, load, load_average in rows:
        print(f"| {name} | {load.requests} | {load.percentile_ms(50):.1f} | {load.percentile_ms(95):.1f} "
              f"| {load.percentile_ms(99):.1f} | {max(load.latencies) / 1000:.1f} | {load.rate:.0f} "
              f"| {load.cpu_ms_per_request:.1f} | {load_average:.1f} |")
    worst = max(load.percentile_ms(95) for _, load, _ in rows[:2])  # the headline: connections kept open
    print(f"\ntarget p95 <= {TARGET_P95_MS} ms with connections kept open: "
          f"{'met' if worst <= TARGET_P95_MS else 'NOT met'} (worst p95 {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of validate-as-you-type, server side: the editor's request to the rendered diagnostics list.

The request is the one the editor sends after a pause in typing: the whole
file set as multipart form data with the CSRF token and `HX-Request`, to
catalog:validate, answered with the `_diagnostics.html` fragment (the list
and its JSON). The template is tests/bench/fixtures/ten_sources (216 lines,
10 amazon-ebs sources), once valid and once with a typo in one source; every
request's text differs from the one before (a default value counts up), as
it does while someone types.

Two ways, both warm (after --warmup requests), one request at a time:

* in-process: Django's test Client with CSRF checks on, through the whole
  middleware stack, session and permission check, view and template: the
  server's own cost, no network; wall time and the process's CPU time;
* HTTP: a real request to `imagehub serve` (daphne, SQLite) on 127.0.0.1,
  timed from sending to the last byte of the answer; the server's CPU time
  per request (from /proc, all its threads) is reported with it.

Target (issue 5): p95 <= 50 ms.

Run: python tests/bench/bench_catalog_validate.py [--requests N] [--warmup N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.dashboard_data import (  # noqa: E402
    PASSWORD,
    REPO,
    TEN_SOURCES,
    make_user,
    process_cpu_seconds,
    signed_in_opener,
    summary_ms,
    use_data_dir,
)

TARGET_P95_MS = 50


def multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Return a multipart/form-data body of `fields` and its content type, as a browser's FormData sends."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def typed(files: dict[str, str], n: int) -> dict[str, str]:
    """Return `files` as they are after the n-th keystroke: the image version's default changed."""
    return {name: text.replace('"1.4.0"', f'"1.4.{n}"') for name, text in files.items()}


def in_process(files: dict[str, str], requests: int, warmup: int) -> tuple[list[float], list[float], int]:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(username="editor", password=PASSWORD)
    client.get("/templates/new/")
    token = client.cookies["csrftoken"].value
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    timings, cpu = [], []
    size = 0
    for n in range(warmup + requests):
        now = typed(files, n)
        data = {"file_name": list(now), "file_content": list(now.values())}
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post("/templates/validate/", data, headers=headers)
        body = response.content
        took, took_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if response.status_code != 200 or b'id="diagnostics-data"' not in body:
            raise RuntimeError(f"validate answered {response.status_code}: {body[:300]!r}")
        if n >= warmup:
            timings.append(took)
            cpu.append(took_cpu)
            size = len(body)
    return timings, cpu, size


def over_http(base_url: str, files: dict[str, str], requests: int, warmup: int,
              server_pid: int) -> tuple[list[float], float]:
    import urllib.request

    opener, token = signed_in_opener(base_url, "editor")
    timings = []
    cpu_before = 0.0
    for n in range(warmup + requests):
        if n == warmup:
            cpu_before = process_cpu_seconds(server_pid)
        body, content_type = multipart([pair for name, text in typed(files, n).items()
                                        for pair in (("file_name", name), ("file_content", text))])
        headers = {"X-CSRFToken": token, "HX-Request": "true", "Content-Type": content_type}
        request = urllib.request.Request(base_url + "/templates/validate/", data=body, headers=headers)
        started = time.perf_counter()
        with opener.open(request, timeout=30) as response:
            answer = response.read()
        took = time.perf_counter() - started
        if b'id="diagnostics-data"' not in answer:
            raise RuntimeError(f"validate answered: {answer[:300]!r}")
        if n >= warmup:
            timings.append(took)
    return timings, (process_cpu_seconds(server_pid) - cpu_before) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests first")
    parser.add_argument("--no-http", action="store_true", help="only the in-process measurement")
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="imagehub-bench-validate-"))
    use_data_dir(data_dir)
    make_user("editor", "EDITOR")

    text = TEN_SOURCES.read_text()
    typo = text.replace("instance_type =", "instance_tpye =", 1)
    cases = {"valid": {"main.pkr.hcl": text}, "one typo": {"main.pkr.hcl": typo}}
    print(f"template: {TEN_SOURCES.relative_to(REPO)}, {text.count(chr(10))} lines, {len(text)} bytes; "
          f"{args.requests} timed requests after {args.warmup} warm-up, one at a time; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    rows = []
    for case, files in cases.items():
        timings, cpu, size = in_process(files, args.requests, args.warmup)
        rows.append(("in-process (test Client), wall", case, summary_ms(timings), size))
        rows.append(("in-process (test Client), CPU", case, summary_ms(cpu), size))

    if not args.no_http:
        from tests.conftest import find_free_port
        from tests.fixtures.dashboard import ServerProcess, wait_for_port

        port = find_free_port()
        server = ServerProcess(data_dir, port)
        try:
            wait_for_port(port)
            for case, files in cases.items():
                timings, cpu = over_http(f"http://127.0.0.1:{port}", files, args.requests, args.warmup,
                                         server.process.pid)
                rows.append(("HTTP to imagehub serve", case, summary_ms(timings), None))
                rows.append(("HTTP, server CPU per request (mean)", case,
                             {"median": cpu * 1e3, "p95": float("nan"), "max": float("nan")}, None))
        finally:
            server.kill()

    print()
    print("| how | template | median ms | p95 ms | max ms | answer |")
    print("|---|---|---:|---:|---:|---|")
    for how, case, figures, size in rows:
        answer = f"{size} bytes" if size else ""
        print(f"| {how} | {case} | {figures['median']:.1f} | {figures['p95']:.1f} | {figures['max']:.1f} | {answer} |")
    worst = max(figures["p95"] for how, _, figures, _ in rows if "wall" in how or how.startswith("HTTP to"))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"\ntarget p95 <= {TARGET_P95_MS} ms: {'met' if worst <= TARGET_P95_MS else 'NOT met'} (worst p95 {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the live log pipeline: a build printing lines as fast as it can, watched by many websockets.

The build is a null source whose shell-local provisioner waits for a go
file, then runs `seq -f 'line %g of the benchmark: ...' 1 N` (N = --lines,
200,000 by default; lines of about 70 characters). Every viewer connects
to the build's websocket before the go file appears, so each watches the
whole build live.

Scaled (default): a fresh Postgres database and a Redis prefix
(tests/fixtures/scaled.py), two daphne web processes and one
`manage.py db_worker`; the viewers (--viewers, 20 by default) are spread
evenly over the two web processes. Embedded (--embedded): `imagehub serve`
(SQLite, in-memory channel layer, worker threads in the server process),
5 viewers by default.

The viewers run in --clients processes of this script (asyncio, a few
viewers each). Each checks that it receives every line once, in order
(seq 1, 2, 3... to the last_seq of the final status, read from each
message's text with a regular expression, since parsing every message
whole in every viewer would cost this machine more than the pipeline
does), and the final status; the first viewer of each process also parses
every message whole and checks that the lines seq printed arrive, all of
them, in order, with their text. Each line's latency is its arrival at the
viewer minus the time the engine stamped on it when it read it from the
shell's output (lines printed before the viewer connected, when the build
started, are left out). Reported: end-to-end lines/s
(N over first line produced → last line at the slowest viewer), the
producer's own rate, latency p50/p99/max over every line at every viewer,
peak RSS of the worker process and of the engine's child process
(sampled every 50 ms), CPU seconds of the worker, its child and the web
processes, and the machine's load.

Run: python tests/bench/bench_log_pipeline.py [--embedded] [--lines N] [--viewers N] [--clients N]
     [--batch-lines N] [--batch-seconds S] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from imagehub import config  # noqa: E402
from tests.fixtures.scaled import HttpSession, ScaledSite, free_port  # noqa: E402
from tests.fixtures.websocket import WebSocket  # noqa: E402

PASSWORD = "benchmark password 1"
TEXT = "line %g of the benchmark: the quick brown fox jumps over the lazy dog"
TEMPLATE = """
source "null" "bench" {
  communicator = "none"
}

build {
  sources = ["source.null.bench"]

  provisioner "shell-local" {
    inline = ["while [ ! -e GO ]; do sleep 0.01; done", "seq -f 'TEXT' 1 LINES"]
  }
}
"""
SEED = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from imagehub import catalog
from imagehub.roles import Role, assign_role

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user("bench", password=PASSWORD)
assign_role(user, Role.BUILDER)
template = catalog.create_template(name="Log benchmark", description="", labels=[], owner=user,
                                   files={"main.pkr.hcl": TEMPLATE})
print(template.slug)
"""
LATENCY_BUCKETS = 120_000  # 1 ms buckets up to two minutes
# Read from the message's bytes (every viewer), without decoding or parsing it.
LINES_PREFIX = b'{"type": "build.lines", "lines": ['
LINE_START = b'{"seq": '
SEQ_AND_TIME = re.compile(rb'\{"seq": (\d+), "time": ([0-9.e+-]+),')


# The viewers, in client processes.

@dataclass(repr=False)  # its latency counts are long
class ViewerReport:
    name: str
    lines: int = 0
    error: str = ""
    final: dict | None = None
    first_arrival: float = 0.0
    last_arrival: float = 0.0
    first_output_time: float = 0.0  # when the engine read the command's first line (inspecting viewers)
    last_output_time: float = 0.0  # and its last
    latency_counts: list[int] = field(default_factory=list)  # every line's, when inspected
    message_counts: list[int] = field(default_factory=list)  # each message's first line's
    printed: int = 0  # lines of the benchmark's command read whole (by inspecting viewers)
    connected_at: float = 0.0
    inspected: bool = False


async def view(name: str, port: int, path: str, cookie: str, expected: int, connected: asyncio.Event,
               inspect: bool) -> ViewerReport:
    report = ViewerReport(name, latency_counts=[0] * LATENCY_BUCKETS, message_counts=[0] * LATENCY_BUCKETS)
    try:
        socket = await WebSocket.connect(port, path, cookie=cookie)
    except Exception as error:
        report.error = f"could not connect: {error!r}"
        connected.set()
        return report
    report.connected_at = time.time()
    connected.set()
    try:
        await receive(socket, report, inspect)
    except Exception as error:  # reported with what arrived before it
        report.error = report.error or f"after {report.lines} lines: {error!r}"
    if report.final is None:
        report.error = report.error or f"no final status (closed with {socket.close_code})"
    elif report.lines != report.final["last_seq"] and not report.error:
        report.error = f"{report.lines} lines arrived, the final status says {report.final['last_seq']}"
    elif report.lines < expected and not report.error:
        report.error = f"{report.lines} lines arrived, the build printed {expected}"
    elif inspect and report.printed != expected and not report.error:
        report.error = f"{report.printed} lines of the command's output were read whole, {expected} were due"
    report.inspected = inspect
    return report


async def receive(socket: WebSocket, report: ViewerReport, inspect: bool) -> None:
    """Read the build's messages until the server closes (see the module's docstring)."""
    while (text := await socket.receive(decode=False)) is not None:
        now = time.time()
        if not text.startswith(LINES_PREFIX):
            message = json.loads(text)
            if message.get("final"):
                report.final = message
            continue
        first = SEQ_AND_TIME.match(text, len(LINES_PREFIX))
        last = SEQ_AND_TIME.match(text, text.rfind(LINE_START))
        count = text.count(LINE_START)
        if first is None or last is None:
            report.error = report.error or f"a message after line {report.lines} has no line the benchmark can read"
            continue
        first_seq, first_time, last_seq = int(first[1]), float(first[2]), int(last[1])
        if (first_seq != report.lines + 1 or last_seq != first_seq + count - 1) and not report.error:
            report.error = f"lines {first_seq}-{last_seq} ({count}) arrived after line {report.lines}"
        if not report.first_arrival:
            report.first_arrival = now
        report.last_arrival = now
        report.lines = last_seq
        # Lines come in the order they were produced, so a message's first line waited longest. Lines printed
        # before the viewer connected (the build's start) are in no latency.
        if first_time >= report.connected_at:
            report.message_counts[min(LATENCY_BUCKETS - 1, int((now - first_time) * 1000))] += 1
        if inspect:
            inspect_lines(json.loads(text)["lines"], first_seq, now, report)


def inspect_lines(lines: list[dict], first_seq: int, now: float, report: ViewerReport) -> None:
    """Check every line of a message whole, and count each one's latency."""
    counts = report.latency_counts
    for seq, line in enumerate(lines, first_seq):
        if line["seq"] != seq and not report.error:
            report.error = f"line {line['seq']} arrived where {seq} was due"
        if line["stream"] == "stdout":
            report.printed += 1
            if report.printed == 1:
                report.first_output_time = line["time"]
            report.last_output_time = line["time"]
            if line["text"] != TEXT.replace("%g", str(report.printed)) and not report.error:
                report.error = f"line {line['seq']} reads {line['text']!r}"
        if line["time"] >= report.connected_at:
            counts[min(LATENCY_BUCKETS - 1, int((now - line["time"]) * 1000))] += 1


def run_clients(viewers: list[tuple[str, int]], path: str, cookie: str, expected: int, ready, results) -> None:
    """A client process: open its viewers, say so on `ready`, and put their reports on `results`."""

    async def main() -> list[ViewerReport]:
        events = [asyncio.Event() for _ in viewers]
        tasks = [asyncio.create_task(view(name, port, path, cookie, expected, event, index == 0))
                 for index, ((name, port), event) in enumerate(zip(viewers, events, strict=True))]
        waiting = asyncio.gather(*(event.wait() for event in events))
        done, _ = await asyncio.wait([asyncio.ensure_future(waiting), *tasks], return_when=asyncio.FIRST_COMPLETED)
        ready.put(len(viewers))
        reports = []
        for task in tasks:
            try:
                reports.append(await task)
            except Exception as error:  # reported, not raised: the others still count
                reports.append(ViewerReport("?", error=repr(error), latency_counts=[0] * LATENCY_BUCKETS,
                                            message_counts=[0] * LATENCY_BUCKETS))
        return reports

    started = time.process_time()
    reports = asyncio.run(main())
    results.put((reports, time.process_time() - started))


# Watching processes.

def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                found.extend(int(child) for child in listed.read().split())
    return found


def service_pids(names: tuple[str, ...]) -> list[int]:
    """Processes of the machine whose command name is one of `names` (the database and Redis servers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() in names:
                    found.append(int(entry))
            except OSError:
                continue
    return found


def machine_busy() -> tuple[int, int]:
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Sampler(threading.Thread):
    """Peak RSS and last CPU time of the worker and of its engine child, every 50 ms."""

    def __init__(self, worker_pid: int):
        super().__init__(daemon=True)
        self.worker_pid = worker_pid
        self.worker_rss = self.child_rss = 0
        self.child_cpu = 0.0
        self.child_pid = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.worker_rss = max(self.worker_rss, rss_kb(self.worker_pid))
            for child in children(self.worker_pid):
                try:
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"builds.engine.supervised" in command:
                    self.child_pid = child
            if self.child_pid:
                self.child_rss = max(self.child_rss, rss_kb(self.child_pid))
                self.child_cpu = max(self.child_cpu, cpu_seconds(self.child_pid))


def wait_for_waiting_child(sampler: Sampler, timeout: float = 120) -> float:
    """Wait until the worker's engine child waits for the go file (its CPU time stops growing); return that time."""
    deadline = time.monotonic() + timeout
    last = -1.0
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if sampler.child_pid:
            now = cpu_seconds(sampler.child_pid)
            if now == last:
                return now
            last = now
    raise SystemExit("the build's engine process did not start")


def profile(directory: Path, worker_pid: int, web_pids: list[int]) -> list:
    """Start py-spy on the worker (its engine child included) and the first web process; raw stacks in `directory`."""
    import subprocess

    directory.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    targets = [("worker", worker_pid)] + [("web", pid) for pid in web_pids[:1] if pid != worker_pid]
    return [subprocess.Popen([str(spy), "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                              "--subprocesses", "--threads", "--nonblocking", "--output",
                              str(directory / f"{name}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in targets]


# The run.

def percentile(counts: list[int], fraction: float) -> float:
    """The latency in ms below which `fraction` of the lines arrived (1 ms buckets)."""
    total = sum(counts)
    bound = fraction * total
    running = 0
    for index, count in enumerate(counts):
        running += count
        if running >= bound:
            return index + 1
    return len(counts)


def start_site(options, directory: Path):
    """Start the runtime; return (site or server, web ports, worker pid, pids of the web processes, slug)."""
    environment = {"IMAGEHUB_LOG_BATCH_LINES": str(options.batch_lines),
                   "IMAGEHUB_LOG_BATCH_SECONDS": str(options.batch_seconds),
                   "IMAGEHUB_WORKER_CONCURRENCY": "1"}
    go = directory / "go"
    template = (TEMPLATE.replace("GO", str(go)).replace("TEXT", TEXT).replace("LINES", str(options.lines)))
    seed = SEED.replace("PASSWORD", repr(PASSWORD)).replace("TEMPLATE", repr(template))
    if options.embedded:
        return start_embedded(directory, environment, seed)
    site = ScaledSite(directory / "scaled", environment)
    webs = [site.start_web("web-a"), site.start_web("web-b")]
    slug = site.python(seed, name="migrate").strip()
    worker = site.start_worker("worker", concurrency=1)
    for web in webs:
        site.wait_for_web(web)
    deadline = time.monotonic() + 120
    while "is running" not in worker.log.read_text(errors="replace"):  # its start is not measured
        if worker.process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the worker did not start:\n" + site.logs())
        time.sleep(0.05)
    return site, [web.port for web in webs], worker.pid, [web.pid for web in webs], slug


class EmbeddedSite:
    """`imagehub serve` on a data directory of its own (SQLite, in-memory layer); `close` stops it."""

    def __init__(self, directory: Path, environment: dict[str, str]):
        from tests.fixtures.scaled import CALLER_SETTINGS

        self.directory = directory
        self.environment = {name: value for name, value in os.environ.items() if name not in CALLER_SETTINGS}
        self.environment.update({"IMAGEHUB_DATA_DIR": str(directory / "data"), "DJANGO_SETTINGS_MODULE":
                                 "imagehub.settings", "PYTHONPATH": str(REPO), **environment})
        self.server = None

    def python(self, code: str) -> str:
        import subprocess

        result = subprocess.run([sys.executable, "-c", "import django\ndjango.setup()\n" + code], cwd=REPO,
                                env=self.environment, capture_output=True, text=True, check=False)
        if result.returncode:
            raise SystemExit(f"setting up failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, port: int) -> int:
        import subprocess

        log = (self.directory / "serve.log").open("wb")
        self.server = subprocess.Popen([str(Path(sys.executable).with_name("imagehub")), "serve", "--port",
                                        str(port)], cwd=REPO, env=self.environment, stdout=log,
                                       stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while "ImageHub is running at" not in (self.directory / "serve.log").read_text(errors="replace"):
            if self.server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("imagehub serve did not start:\n" + self.logs())
            time.sleep(0.05)
        return self.server.pid

    def logs(self) -> str:
        return (self.directory / "serve.log").read_text(errors="replace")[-4000:]

    def close(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(30)
            except Exception:
                self.server.kill()


def start_embedded(directory: Path, environment: dict[str, str], seed: str):
    site = EmbeddedSite(directory, environment)
    slug = site.python(seed).strip()
    port = free_port()
    pid = site.start(port)
    return site, [port], pid, [pid], slug


def run(options) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="imagehub-bench-log-"))
    load_before = os.getloadavg()
    site, ports, worker_pid, web_pids, slug = start_site(options, directory)
    try:
        browser = HttpSession(ports[0])
        browser.log_in("bench", PASSWORD)
        status, headers, body = browser.request("POST", f"/builds/start/{slug}/1/")
        if status != 302:
            raise SystemExit(f"starting the build failed: {status} {body[:300]!r}\n{site.logs()}")
        pk = int(headers["location"].rstrip("/").rsplit("/", 1)[1])
        cookie = f"sessionid={browser.cookies['sessionid']}"
        path = f"/ws/builds/{pk}/log/"
        viewers = [(f"viewer-{n + 1}", ports[n % len(ports)]) for n in range(options.viewers)]
        clients = min(options.clients, len(viewers))
        context = multiprocessing.get_context("fork")
        ready, results = context.Queue(), context.Queue()
        processes = [context.Process(target=run_clients, args=(viewers[index::clients], path, cookie, options.lines,
                                                               ready, results), daemon=True)
                     for index in range(clients)]
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=120)
        sampler = Sampler(worker_pid)
        sampler.start()
        child_cpu_before = wait_for_waiting_child(sampler)
        profilers = profile(options.profile, worker_pid, web_pids) if options.profile else []
        servers = service_pids(("postgres", "redis-server"))
        cpu_before = {pid: cpu_seconds(pid) for pid in [worker_pid, *web_pids, *servers]}
        busy_before = machine_busy()
        (directory / "go").touch()
        outcomes = [results.get(timeout=options.timeout) for _ in processes]
        busy_after = machine_busy()
        started_servers = [pid for pid in service_pids(("postgres", "redis-server")) if pid not in servers]
        cpu_after = {pid: cpu_seconds(pid) for pid in [worker_pid, *web_pids, *servers, *started_servers]}
        sampler.stop.set()
        sampler.join()
        for profiler in profilers:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(60)
        for process in processes:
            process.join(10)
        reports = [report for batch, _ in outcomes for report in batch]
        client_cpu = sum(cpu for _, cpu in outcomes)
        if not any(report.first_arrival for report in reports):
            raise SystemExit("no viewer received a line:\n" + "\n".join(f"{r.name}: {r.error}" for r in reports))
        counts = [sum(bucket) for bucket in zip(*(report.latency_counts for report in reports), strict=True)]
        message_counts = [sum(bucket) for bucket in zip(*(report.message_counts for report in reports), strict=True)]
        first_line = min(report.first_output_time for report in reports if report.first_output_time)
        last_arrival = max(report.last_arrival for report in reports)
        status, _, body = browser.request("GET", f"/builds/{pk}/build.json")
        record = json.loads(body)
        seconds = last_arrival - first_line
        worker_cpu = cpu_after[worker_pid] - cpu_before[worker_pid]
        return {
            "mode": "embedded" if options.embedded else "scaled",
            "lines": options.lines,
            "viewers": len(reports),
            "errors": [f"{report.name}: {report.error}" for report in reports if report.error],
            "status": record["status"],
            "last_seq": record["last_seq"],
            "seconds": seconds,
            "lines_per_second": options.lines / seconds,
            "build_seconds": record["duration_seconds"],
            "producer_lines_per_second": options.lines / (max(report.last_output_time for report in reports)
                                                          - first_line),
            "p50_ms": percentile(counts, 0.50),
            "p99_ms": percentile(counts, 0.99),
            "max_ms": percentile(counts, 1.0),
            "inspecting_viewers": sum(report.inspected for report in reports),
            "message_p99_ms": percentile(message_counts, 0.99),
            "message_max_ms": percentile(message_counts, 1.0),
            "worker_rss_mb": sampler.worker_rss / 1024,
            "child_rss_mb": sampler.child_rss / 1024,
            "worker_cpu_s": worker_cpu,
            "child_cpu_s": sampler.child_cpu - child_cpu_before,
            "web_cpu_s": [cpu_after[pid] - cpu_before[pid] for pid in web_pids if pid != worker_pid]
            or [worker_cpu],
            "client_cpu_s": client_cpu,
            "servers_cpu_s": sum(max(0.0, cpu_after[pid] - cpu_before.get(pid, 0.0))
                                 for pid in [*servers, *started_servers] if cpu_after[pid]),
            "machine_busy": (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]),
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "batch": (options.batch_lines, options.batch_seconds),
        }
    finally:
        site.close()
        if not options.keep:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedded", action="store_true", help="imagehub serve with SQLite instead of scaled")
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--viewers", type=int, default=None, help="default: 20 scaled, 5 embedded")
    parser.add_argument("--clients", type=int, default=4, help="processes the viewers run in")
    defaults = config.build_settings({}, Path("."))
    parser.add_argument("--batch-lines", type=int, default=defaults["LOG_BATCH_LINES"],
                        help="lines per stored batch (default: the workers' own, IMAGEHUB_LOG_BATCH_LINES)")
    parser.add_argument("--batch-seconds", type=float, default=defaults["LOG_BATCH_SECONDS"],
                        help="seconds a batch waits at most (default: the workers' own)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (process logs)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="record py-spy stacks of the worker and a web process into this directory")
    options = parser.parse_args()
    if options.viewers is None:
        options.viewers = 5 if options.embedded else 20
    result = run(options)
    print(json.dumps(result, indent=1, default=str))
    print(f"\n| {result['mode']} | {result['lines']:,} lines, {result['viewers']} viewers | "
          f"{result['lines_per_second']:,.0f} lines/s ({result['seconds']:.1f} s; the engine read them at "
          f"{result['producer_lines_per_second']:,.0f}/s) | p50 {result['p50_ms']:.0f} ms, "
          f"p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms (every line at "
          f"{result['inspecting_viewers']} viewers); p99 {result['message_p99_ms']:.0f} ms, max "
          f"{result['message_max_ms']:.0f} ms (oldest line of each message, every viewer) | worker {result['worker_rss_mb']:.0f} MB, "
          f"engine child {result['child_rss_mb']:.0f} MB | worker {result['worker_cpu_s']:.1f} s CPU, child "
          f"{result['child_cpu_s']:.1f} s, web {', '.join(f'{cpu:.1f}' for cpu in result['web_cpu_s'])} s, viewers "
          f"{result['client_cpu_s']:.1f} s, Postgres and Redis {result['servers_cpu_s']:.1f} s | load {result['load_before'][0]:.1f} → {result['load_after'][0]:.1f}, "
          f"machine busy {100 * result['machine_busy']:.0f} % |")
    if result["errors"] or result["status"] != "succeeded":
        print("FAILED:", result["status"], *result["errors"], sep="\n  ")
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Load from wrk, a load generator written in C, for the dashboard's benchmarks.

Clients written in Python spend a millisecond or more of CPU per request and
take turns on their own interpreter lock, so on a two-core machine they take
CPU from the server they measure and add their own waits to every timing.
wrk (Debian's package `wrk`) costs a few microseconds per request: here it
runs one connection per thread, each connection a signed-in client with its
own session cookie, asking for URLs drawn at random from a list, back to back
or after an exponentially distributed pause, and keeping its connection open
as a browser does (or closing it after every answer).

Each run prints wrk's latency histogram (every distinct latency and how many
requests took it) from a Lua `done` hook, so the runs of several wrk processes
(one per server process, say) merge into exact percentiles.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.dashboard_data import process_cpu_seconds

SCRIPT = r"""
local config = __CONFIG__
local threads = {}
local made = 0
bad = 0
first_bad = ""

function setup(thread)
  made = made + 1
  thread:set("number", made)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(number * 7919)
  sent = 0
  headers = {Cookie = config.cookies[(number - 1) % #config.cookies + 1]}
  if config.close then headers["Connection"] = "close" end
end

function request()
  local url = config.urls[math.random(#config.urls)]
  sent = sent + 1
  if config.bust then
    local joiner = url:find("?", 1, true) and "&" or "?"
    url = url .. joiner .. "round=" .. number .. "-" .. sent
  end
  return wrk.format("GET", url, headers)
end

function response(status, headers, body)
  if status ~= 200 or (config.expect ~= "" and not body:find(config.expect, 1, true)) then
    if bad == 0 then first_bad = "status " .. status .. ": " .. body:sub(1, 200) end
    bad = bad + 1
  end
end

if config.think_ms > 0 then
  function delay()
    return math.floor(-math.log(1 - math.random()) * config.think_ms)
  end
end

function done(summary, latency, requests)
  local failed, example = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("bad")
    if example == "" then example = thread:get("first_bad") end
  end
  local errors = summary.errors
  io.write(string.format("WRK-SUMMARY %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout, failed))
  io.write("WRK-EXAMPLE " .. example:gsub("\n", " ") .. "\n")
  for i = 1, #latency do
    local value, count = latency(i)
    io.write(string.format("WRK-LATENCY %d %d\n", value, count))
  end
end
"""


@dataclass
class Load:
    """What one or more wrk runs measured: request count, wall time, latencies (µs → count), failures."""

    requests: int = 0
    seconds: float = 0.0
    latencies: Counter = field(default_factory=Counter)
    failures: int = 0
    example: str = ""
    server_cpu: float = 0.0

    def merge(self, other: Load) -> None:
        self.requests += other.requests
        self.seconds = max(self.seconds, other.seconds)
        self.latencies.update(other.latencies)
        self.failures += other.failures
        self.example = self.example or other.example
        self.server_cpu += other.server_cpu

    def percentile_ms(self, percent: float) -> float:
        """The latency under which `percent` % of the requests finished, in milliseconds."""
        total = sum(self.latencies.values())
        if not total:
            return float("nan")
        wanted, seen = total * percent / 100, 0
        for micros in sorted(self.latencies):
            seen += self.latencies[micros]
            if seen >= wanted:
                return micros / 1000
        return max(self.latencies) / 1000

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu / self.requests * 1000 if self.requests else float("nan")


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    return found


def start(base_url: str, *, cookies: list[str], urls: list[str], connections: int, seconds: float,
          keep_alive: bool = True, bust: bool = False, think: float = 0.0, expect: str = "") -> subprocess.Popen:
    """Start wrk against `base_url` with `connections` clients for `seconds`; finish it with `collect`."""
    config = {"cookies": cookies, "urls": urls, "close": not keep_alive, "bust": bust,
              "think_ms": think * 1000, "expect": expect}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="imagehub-wrk-", delete=False) as script:
        script.write(SCRIPT.replace("__CONFIG__", _lua(config)))
    command = [wrk_path(), f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s",
               "-s", script.name, base_url]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process.script = script.name
    return process


def collect(process: subprocess.Popen) -> Load:
    """Wait for a wrk run from `start` and return what it measured."""
    output, _ = process.communicate()
    Path(process.script).unlink(missing_ok=True)
    load = Load()
    for line in output.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "WRK-SUMMARY":
            requests, micros, *errors, failed = (int(part) for part in rest.split())
            load.requests, load.seconds = requests, micros / 1e6
            load.failures = failed + sum(errors)
        elif kind == "WRK-EXAMPLE":
            load.example = rest.strip()
        elif kind == "WRK-LATENCY":
            micros, count = (int(part) for part in rest.split())
            load.latencies[micros] += count
    if process.returncode != 0 or not load.requests:
        raise RuntimeError(f"wrk failed (exit status {process.returncode}):\n{output[-2000:]}")
    return load


def run(base_url: str, server_pids: list[int], **options) -> Load:
    """Run wrk once against `base_url` (see `start`), with the CPU time `server_pids` used meanwhile."""
    before = sum(process_cpu_seconds(pid) for pid in server_pids)
    load = collect(start(base_url, **options))
    load.server_cpu = sum(process_cpu_seconds(pid) for pid in server_pids) - before
    return load


def _lua(value) -> str:
    """`value` (dicts, lists, strings, numbers, booleans) written as a Lua table constructor."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if not value.isascii():
            raise ValueError(f"only ASCII text is written for wrk: {value!r}")
        return json.dumps(value)  # an ASCII JSON string is a valid Lua string
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    return "{" + ", ".join(f"[{_lua(key)}] = {_lua(item)}" for key, item in value.items()) + "}"

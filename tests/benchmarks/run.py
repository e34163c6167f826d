"""Anonymous page views per second: one ASGI process against the production split.

    .venv/bin/python -m tests.benchmarks.run            (or: make benchmark)
    .venv/bin/python -m tests.benchmarks.run --write docs/benchmarks.md
    BENCH_ARGS="--duration 5 --concurrency 32" make benchmark

Prepares its own database with the demo content (PostgreSQL when DATABASE_URL points at it,
else SQLite; Redis for cache and channel layer when REDIS_URL is set), collects static files and
runs the servers with DEBUG off, as in production. For each server setup it loads the home page
and a consultation page with a fixed number of keep-alive connections for a fixed time after a
warm-up, and reports requests per second and latency percentiles. All servers are stopped and
the database dropped at the end, also on errors and Ctrl-C.

The load generator is plain asyncio on raw sockets (HTTP/1.1, keep-alive where the server
allows it; gunicorn's sync workers close after each response, as they do behind a proxy). It
runs on the same machine as the servers and takes CPU from them: compare the rows with each
other, not with figures from another machine. The server CPU time per page (read from /proc for
the server's whole process group) is the steadier figure on a shared machine: a busy neighbour
lowers req/s but hardly changes how much CPU one page costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.deployment import harness

HOME = "/"
CONSULTATION = "/beteiligungen/zukunft-der-stadthalle/"
PAGES = {"home page": HOME, "consultation page": CONSULTATION}


@dataclass
class Result:
    server: str
    page: str
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    connections: int = 0
    cache_hits: int = 0
    server_cpu_seconds: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index] * 1000

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU time per page: unlike req/s, hardly affected by other load on the box."""
        return self.server_cpu_seconds * 1000 / self.ok if self.ok else float("nan")

    @property
    def per_core(self) -> float:
        """Pages per second one fully used core would serve, from the CPU time per page."""
        cpu = self.cpu_ms_per_request
        return 1000 / cpu if cpu > 0 else float("nan")

    @property
    def hit_ratio(self) -> float:
        requests = sum(self.statuses.values())
        return self.cache_hits / requests if requests else 0.0

    @property
    def failed(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status != 200)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bool]:
    """Read one HTTP/1.1 response: its status, whether the connection stays open, and whether
    the page came from the anonymous page cache (``X-Page-Cache: hit``)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # body until the server closes
        keep_alive = False
    return int(status), keep_alive, headers.get("x-page-cache") == "hit"


async def client(port: int, path: str, start: float, stop: float, result: Result) -> None:
    """One visitor after another on one connection, reconnecting when the server closes it."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {harness.LOOPBACK}:{port}\r\n"
        "User-Agent: mitreden-benchmark\r\nAccept: text/html\r\nAccept-Language: de\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < stop:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(harness.LOOPBACK, port)
                result.connections += 1
            began = time.perf_counter()
            writer.write(request)
            status, keep_alive, cache_hit = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if time.perf_counter() >= start:
                result.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        ended = time.perf_counter()
        if start <= began and ended <= stop:
            result.latencies.append(ended - began)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.cache_hits += cache_hit
        if not keep_alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process in a process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        # After the command name: state, ppid, pgrp, ... utime is field 14, stime 15 (1-based).
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


async def measure_cpu(group: int, start: float, stop: float, result: Result) -> None:
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    before = group_cpu_seconds(group)
    await asyncio.sleep(max(0.0, stop - time.perf_counter()))
    result.server_cpu_seconds = group_cpu_seconds(group) - before


async def load(
    port: int, path: str, *, group: int, concurrency: int, warmup: float, duration: float
):
    start = time.perf_counter() + warmup
    stop = start + duration
    result = Result(server="", page=path, concurrency=concurrency, seconds=duration)
    await asyncio.gather(
        measure_cpu(group, start, stop, result),
        *(client(port, path, start, stop, result) for _ in range(concurrency)),
    )
    return result


def run_load(port: int, path: str, **kwargs) -> Result:
    try:
        import uvloop  # comes with uvicorn[standard]; a cheaper client leaves more CPU to servers

        return uvloop.run(load(port, path, **kwargs))
    except ImportError:
        return asyncio.run(load(port, path, **kwargs))


def server_setups(workers: list[int]) -> list[tuple[str, object]]:
    setups: list[tuple[str, object]] = [
        ("uvicorn, 1 ASGI process (make run)", harness.uvicorn_argv),
    ]
    for count in workers:
        setups.append(
            (
                f"gunicorn, {count} WSGI workers (production split)",
                lambda port, count=count: harness.gunicorn_argv(port, workers=count),
            )
        )
    return setups


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def configuration() -> tuple[str, str]:
    """A short key and a description of the database and cache in use."""
    database = "PostgreSQL" if harness.postgres_url() else "SQLite"
    if harness.redis_url():
        return f"{database.lower()}-redis", f"{database}, Redis (cache and channel layer)"
    return f"{database.lower()}-memory", f"{database}, in-process memory cache and channel layer"


def markdown(results: list[Result], args, notes: dict[str, str]) -> str:
    lines = [
        f"### {notes['configuration']}",
        "",
        f"Measured {notes['date']} at commit `{notes['commit']}` on {notes['machine']}; "
        f"load average before the run: {notes['load_before']}, after: {notes['load_after']}. "
        f"{args.concurrency} connections, {args.warmup:g} s warm-up, {args.duration:g} s "
        "measured per row.",
        "",
        "| server | page | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req "
        "| req/s per core | page cache hits | failed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.server} | {r.page} | {r.per_second:,.0f} | {r.percentile(0.50):.1f} "
            f"| {r.percentile(0.95):.1f} | {r.percentile(0.99):.1f} "
            f"| {r.cpu_ms_per_request:.1f} | {r.per_core:,.0f} "
            f"| {r.hit_ratio:.0%} | {r.failed} |"
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, key: str, text: str) -> None:
    """Replace this configuration's block in the document (or append it), keep the rest."""
    begin, end = f"<!-- results: {key} -->", f"<!-- /results: {key} -->"
    block = f"{begin}\n{text}{end}"
    document = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        _old, tail = rest.split(end, 1)
        document = head + block + tail
    else:
        document = document.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(document)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per row")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per row")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel connections")
    parser.add_argument(
        "--workers",
        default="2,4",
        help="gunicorn worker counts to measure, comma-separated (default: 2,4)",
    )
    parser.add_argument("--write", type=Path, help="update this markdown file's results block")
    args = parser.parse_args(argv)
    workers = [int(n) for n in args.workers.split(",") if n.strip()]

    key, description = configuration()
    notes = {
        "configuration": description,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print(f"Preparing the demo site ({description}) ...", flush=True)
    site = harness.DemoSite.prepare()
    results: list[Result] = []
    try:
        print(f"  ready in {site.seconds_to_prepare:.0f} s", flush=True)
        env = site.environment(site.template, redis=harness.redis_url())
        for name, make_argv in server_setups(workers):
            server = harness.start_server(
                name.split(",")[0], make_argv, env=env, log_dir=site.workdir
            )
            try:
                for page, path in PAGES.items():
                    status = harness.http_get(server.base_url + path)[0]
                    if status != 200:
                        raise RuntimeError(f"{name}: GET {path} answered {status}")
                    result = run_load(
                        server.port,
                        path,
                        group=server.process.pid,
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        duration=args.duration,
                    )
                    result.server, result.page = name, page
                    results.append(result)
                    print(
                        f"  {name:<45} {page:<18} {result.per_second:8.0f} req/s   "
                        f"p50 {result.percentile(0.5):7.1f} ms   "
                        f"p99 {result.percentile(0.99):7.1f} ms   "
                        f"CPU {result.cpu_ms_per_request:5.1f} ms/req   "
                        f"cache hits {result.hit_ratio:4.0%}   failed {result.failed}",
                        flush=True,
                    )
            finally:
                server.stop()
    finally:
        site.close()
    notes["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(results, args, notes)
    print()
    print(text)
    if args.write:
        write_section(args.write, key, text)
        print(f"wrote {args.write}")
    medians = [r.percentile(0.5) for r in results]
    return 1 if any(r.failed for r in results) or not all(map(math.isfinite, medians)) else 0


if __name__ == "__main__":
    sys.exit(main())

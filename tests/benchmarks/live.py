"""Live updates under load: post-to-delivery latency of new comments to N WebSocket viewers.

    .venv/bin/python -m tests.benchmarks.live
    .venv/bin/python -m tests.benchmarks.live --viewers 100,1000,5000 --setups default,redis \\
        --comments 30 --rate 2 --write docs/live-benchmarks.md
    .venv/bin/python -m tests.benchmarks.live --setups redis --viewers 5000 --server-deflate
    .venv/bin/python -m tests.benchmarks.live --setups default --viewers 1000,1000,1000 \\
        --layer in-memory

Setups (every server runs as in production: DEBUG off, collected static files, uvicorn):

- ``default``: ONE uvicorn process on a fresh SQLite database, no REDIS_URL, so the channel
  layer is the one settings.py picks without Redis (the embedded setup, ``make run``), or the
  one named by ``--layer`` (``in-memory``: Channels' stock ``InMemoryChannelLayer``).
- ``redis``: TWO uvicorn processes sharing a fresh PostgreSQL database and Redis
  (``RedisPubSubChannelLayer``). Viewers are split evenly across both; comments are posted
  through the first, so half of the deliveries cross processes through Redis.

For each setup and N the servers are started afresh, N viewers connect to
``/ws/discussions/<id>/`` (spread over one or more client processes), a verified resident logs
in over HTTP and posts ``--comments`` comments at ``--rate`` per second through
``POST /diskussionen/<id>/kommentieren/`` (``Accept: application/json``), each carrying a unique
marker. Every viewer notes when each ``discussion.comment_posted`` event arrives; latency is
receive time minus the moment the POST was sent (``time.monotonic()``, CLOCK_MONOTONIC, which
Linux shares between processes). Expected deliveries = accepted comments x connected viewers;
an event a viewer did not receive within ``--drain`` seconds after the last post is counted as
lost, a second delivery of the same event id to the same viewer as a duplicate.

Clients and servers share the machine's cores: the report gives the CPU time of each server
process and of the client processes during the measured window, and the client's event-loop
lag, so that a latency can be attributed. Everything (servers, client processes, databases,
temporary files) is cleaned up at the end, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import multiprocessing
import os
import platform
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.benchmarks.live_client import ViewerReport, ViewerTask, raise_open_files_limit
from tests.deployment import harness

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SERVER_OPEN_FILES = 65536
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- Databases and servers ----------------------------------------------------------------


@dataclass
class Database:
    url: str
    name: str
    postgres: bool

    @classmethod
    def sqlite(cls, workdir: Path) -> Database:
        path = workdir / "live.sqlite3"
        return cls(url=f"sqlite:///{path}", name=str(path), postgres=False)

    @classmethod
    def postgresql(cls, base_url: str) -> Database:
        """A fresh database ``mitreden_benchmark_<pid>`` (a name the test harness recognises and
        drops if this process was killed before it could)."""
        import psycopg
        from psycopg import sql

        name = f"mitreden_benchmark_{os.getpid()}"
        with psycopg.connect(_with_database(base_url, "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return cls(url=_with_database(base_url, name), name=name, postgres=True)

    def drop(self) -> None:
        if not self.postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(_with_database(self.url, "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


SEED = """
import json
from django.conf import settings
from consultations.phases import PhaseKind
from tests.factories import PASSWORD, make_consultation, make_discussion, make_user
user = make_user(email="live-benchmark@example.org", pseudonym="Lastprobe", verified=True)
consultation = make_consultation(title="Live-Benchmark", active=PhaseKind.PARTICIPATION)
discussion = make_discussion(consultation, title="Live-Benchmark")
print("SEED " + json.dumps({"discussion": discussion.pk, "email": user.email,
                            "password": PASSWORD,
                            "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"]}))
"""


@dataclass
class Site:
    """One setup's database, environment and seeded discussion."""

    setup: str
    database: Database
    env: dict[str, str]
    processes: int
    discussion: int = 0
    email: str = ""
    password: str = ""
    layer: str = ""  # the channel layer's dotted path, as the servers' settings say

    def seed(self) -> None:
        output = harness.shell(SEED, env=self.env)
        line = next(line for line in output.splitlines() if line.startswith("SEED "))
        import json

        data = json.loads(line[5:])
        self.discussion, self.email, self.password, self.layer = (
            data["discussion"],
            data["email"],
            data["password"],
            data["layer"],
        )


def server_environment(database: Database, workdir: Path, redis: str | None) -> dict[str, str]:
    return harness.production_environment(
        database_url=database.url,
        static_root=workdir / "static",
        media_root=workdir / "media",
        allowed_hosts=harness.LOOPBACK,
        redis=redis,
        extra={
            "COMMENT_RATE_PER_MINUTE": "1000000",
            "COMMENT_RATE_PER_HOUR": "1000000",
            "LOG_LEVEL": "WARNING",
        },
    )


# ``--layer``: channel layers the ``default`` setup can run with (none given: settings.py's).
LAYERS = {
    "in-process": "consultations.layers.InProcessChannelLayer",
    "in-memory": "channels.layers.InMemoryChannelLayer",
}


def with_layer(env: dict[str, str], layer: str | None) -> dict[str, str]:
    """The environment with the channel layer named by ``--layer`` (see layer_settings.py)."""
    if layer is None:
        return env
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.layer_settings",
        "BENCHMARK_CHANNEL_LAYER": LAYERS[layer],
    }


def prepare_sites(
    setups: list[str],
    workdir: Path,
    postgres: str,
    redis: str,
    sites: list[Site],
    layer: str | None = None,
) -> None:
    """Create and migrate every setup's database and collect static files, all in parallel.

    Appends to ``sites`` as soon as a database exists, so the caller can drop it on failure.
    """
    for setup in setups:
        if setup == "default":
            database = Database.sqlite(workdir)
            env = with_layer(server_environment(database, workdir, None), layer)
            sites.append(Site(setup, database, env, 1))
        else:
            database = Database.postgresql(postgres)
            sites.append(Site(setup, database, server_environment(database, workdir, redis), 2))
    commands = [["collectstatic", "--noinput", "-v0"]] + [["migrate", "--noinput", "-v0"]] * len(
        sites
    )
    envs = [sites[0].env] + [site.env for site in sites]
    running = [
        subprocess.Popen(
            [harness.PYTHON, "manage.py", *command],
            cwd=harness.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command, env in zip(commands, envs, strict=True)
    ]
    failures = []
    for command, process in zip(commands, running, strict=True):
        try:
            output, _ = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode != 0:
            failures.append(f"manage.py {command[0]} failed:\n{output[-3000:]}")
    if failures:
        raise RuntimeError("\n".join(failures))
    for site in sites:
        site.seed()


def _high_open_files_limit() -> None:
    """preexec_fn for servers: as many open files as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = SERVER_OPEN_FILES if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, target), hard))


class Server(harness.ServerProcess):
    """A uvicorn process in its own session with a high open-files limit."""

    def popen_options(self) -> dict:
        return {"preexec_fn": _high_open_files_limit}

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AttributeError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except (OSError, AttributeError):
            pass
        return float("nan")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # without guest time, which is counted in user already
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def uvicorn_argv(port: int, args) -> list[str]:
    argv = [*harness.uvicorn_argv(port), "--ws", args.ws]
    argv[argv.index("participation.asgi:application")] = args.app
    argv += ["--ws-per-message-deflate", "true" if args.server_deflate else "false"]
    return argv


def start_servers(site: Site, args, log_dir: Path) -> list[Server]:
    servers = []
    try:
        for number in range(site.processes):
            server = Server(
                f"uvicorn-{site.setup}-{number + 1}",
                uvicorn_argv(0, args),
                env=site.env,
                port=0,
                log_dir=log_dir,
            )
            servers.append(server.launch())
        for server in servers:
            server.wait_until_ready(ready_path=f"/diskussionen/{site.discussion}/", timeout=90)
    except BaseException:
        harness.stop_all(servers)
        raise
    return servers


# --- The poster -----------------------------------------------------------------------------


class Poster:
    """A logged-in resident posting comments over HTTP, one thread per request in flight."""

    def __init__(self, base_url: str, email: str, password: str, discussion: int):
        import httpx

        self.base_url = base_url
        self.path = f"/diskussionen/{discussion}/kommentieren/"
        with httpx.Client(base_url=base_url, timeout=30) as client:
            page = client.get("/konto/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            if page.status_code != 200 or token is None:
                raise RuntimeError(f"GET /konto/login/ answered {page.status_code}")
            response = client.post(
                "/konto/login/",
                data={"login": email, "password": password, "csrfmiddlewaretoken": token[1]},
            )
            if response.status_code != 302 or "sessionid" not in client.cookies:
                raise RuntimeError(f"login failed: {response.status_code} {response.text[:300]}")
            self.cookies = {name: client.cookies[name] for name in ("sessionid", "csrftoken")}
        self._local = threading.local()

    def _client(self):
        import httpx

        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(
                base_url=self.base_url, timeout=60, cookies=self.cookies
            )
        return client

    def post(self, text: str) -> tuple[float, int, float]:
        """(monotonic time the request was sent, HTTP status, seconds until the response)."""
        client = self._client()
        sent = time.monotonic()
        try:
            response = client.post(
                self.path,
                data={"text": text},
                headers={"Accept": "application/json", "X-CSRFToken": self.cookies["csrftoken"]},
            )
            status = response.status_code
        except Exception:  # a failed post is counted, not fatal
            status = 0
        return sent, status, time.monotonic() - sent


# --- One measurement ------------------------------------------------------------------------


@dataclass
class Measurement:
    setup: str
    viewers: int
    clients: int
    comments: int
    rate: float
    connected: int = 0
    connect_failures: int = 0
    connect_errors: dict[str, int] = field(default_factory=dict)
    connect_seconds: float = 0.0
    closed_early: int = 0
    posts_ok: int = 0
    posts_failed: int = 0
    post_seconds: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    latencies_by_port: dict[int, list[float]] = field(default_factory=dict)
    median_by_comment: list[float] = field(default_factory=list)
    expected: int = 0
    delivered: int = 0
    duplicates: int = 0
    other_events: int = 0
    window_seconds: float = 0.0
    measured_seconds: float = 0.0  # the window the CPU shares were measured over
    server_cpu: list[float] = field(default_factory=list)  # share of one core per process
    server_rss_mb: list[float] = field(default_factory=list)
    client_cpu: float = 0.0  # share of one core, all client processes together
    machine_busy: float = 0.0  # cores busy on the whole machine during the window
    client_cpu_connect: float = 0.0  # CPU seconds the clients spent connecting
    client_lag_p99_ms: float = 0.0
    client_lag_max_ms: float = 0.0
    post_port: int = 0
    layer: str = ""
    error: str = ""

    @property
    def lost(self) -> int:
        return max(0, self.expected - (self.delivered - self.duplicates))

    @property
    def server_us_per_delivery(self) -> float:
        """Server CPU time (all processes, POST handling included) per delivered event."""
        if not self.delivered:
            return float("nan")
        return sum(self.server_cpu) * self.measured_seconds / self.delivered * 1e6

    @property
    def others_cpu(self) -> float:
        """Cores used by everything else on the machine (the poster, Redis, PostgreSQL and
        whatever other work shares the machine)."""
        return max(0.0, self.machine_busy - sum(self.server_cpu) - self.client_cpu)

    @property
    def deliveries_per_second(self) -> float:
        return self.delivered / self.window_seconds if self.window_seconds else 0.0

    def percentile(self, fraction: float, values: list[float] | None = None) -> float:
        values = self.latencies if values is None else values
        if not values:
            return float("nan")
        index = min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))
        return values[index] * 1000


def default_clients(viewers: int) -> int:
    return 1 if viewers <= 1000 else 2


def measure(site: Site, servers: list[Server], viewers: int, args) -> Measurement:
    clients = args.clients or default_clients(viewers)
    result = Measurement(site.setup, viewers, clients, args.comments, args.rate, layer=site.layer)
    token = secrets.token_hex(3)
    marker = f"lb{token}n{{}}x"
    pattern = rf"lb{token}n(\d+)x"
    socket_path = f"/ws/discussions/{site.discussion}/"
    # Viewer i connects to server i mod servers: an even split.
    urls = [
        f"ws://{harness.LOOPBACK}:{servers[i % len(servers)].port}{socket_path}"
        for i in range(viewers)
    ]
    origins = [
        f"http://{harness.LOOPBACK}:{servers[i % len(servers)].port}" for i in range(viewers)
    ]
    context = multiprocessing.get_context("spawn")
    start_measure, stop_event = context.Event(), context.Event()
    workers = []
    from tests.benchmarks.live_client import run_viewers

    for index in range(clients):
        task = ViewerTask(
            index=index,
            urls=urls[index::clients],
            origins=origins[index::clients],
            marker_pattern=pattern,
            compression=args.client_deflate,
            connect_concurrency=args.connect_concurrency,
        )
        counter = context.RawValue("q", 0)
        connected = context.Event()
        parent_end, child_end = context.Pipe(duplex=False)
        process = context.Process(
            target=run_viewers,
            args=(task, connected, start_measure, stop_event, counter, child_end),
            daemon=True,
        )
        process.start()
        child_end.close()
        workers.append((process, counter, connected, parent_end))
    try:
        return _drive(result, site, servers, workers, marker, start_measure, stop_event, args)
    finally:
        stop_event.set()
        start_measure.set()
        for process, *_ in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def _drive(result, site, servers, workers, marker, start_measure, stop_event, args):
    # 1. Connect every viewer (bounded).
    began = time.monotonic()
    deadline = began + args.connect_limit
    for process, _counter, connected, conn in workers:
        while not connected.wait(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                result.error = f"viewers not connected within {args.connect_limit:.0f} s"
                return result
        message = conn.recv()
        if message[0] == "error":
            result.error = f"client process failed: {message[1]}"
            return result
        _, ok, failed, _seconds = message
        result.connected += ok
        result.connect_failures += failed
    result.connect_seconds = time.monotonic() - began
    print(
        f"    {result.connected}/{result.viewers} viewers connected in "
        f"{result.connect_seconds:.1f} s ({result.connect_failures} failed)",
        flush=True,
    )
    if result.connected == 0:
        result.error = "no viewer could connect"
        return result
    time.sleep(1.0)  # let the servers settle after the connection storm

    # 2. Post comments at a steady rate through the first server.
    poster = Poster(servers[0].base_url, site.email, site.password, site.discussion)
    result.post_port = servers[0].port
    cpu_before = [server.cpu_seconds() for server in servers]
    machine_before = machine_cpu()
    start_measure.set()
    window_start = time.monotonic()
    posts: list[tuple[float, int, float] | None] = [None] * args.comments
    first = window_start + 0.2

    def post(number: int) -> None:
        posts[number] = poster.post(f"Live-Benchmark Kommentar {marker.format(number)} – danke!")

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="poster") as pool:
        futures = []
        for number in range(args.comments):
            delay = first + number / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, number))
        for future in futures:
            future.result()
    accepted = [number for number, p in enumerate(posts) if p and p[1] == 201]
    result.posts_ok = len(accepted)
    result.posts_failed = args.comments - result.posts_ok
    result.post_seconds = sorted(p[2] for p in posts if p)
    result.expected = result.posts_ok * result.connected

    # 3. Wait until everything arrived, or the drain time is over.
    drain_deadline = time.monotonic() + args.drain
    while time.monotonic() < drain_deadline:
        if sum(counter.value for _, counter, _, _ in workers) >= result.expected:
            time.sleep(0.5)  # a late duplicate would still show up
            break
        time.sleep(0.05)
    window_end = time.monotonic()
    cpu_after = [server.cpu_seconds() for server in servers]
    machine_after = machine_cpu()
    elapsed = result.measured_seconds = window_end - window_start
    result.server_cpu = [(b - a) / elapsed for a, b in zip(cpu_before, cpu_after, strict=True)]
    result.server_rss_mb = [server.rss_mb() for server in servers]
    stop_event.set()

    # 4. Collect what the viewers saw.
    reports: list[ViewerReport] = []
    for _process, _counter, _connected, conn in workers:
        if conn.poll(60):
            message = conn.recv()
            if message[0] == "report":
                reports.append(message[1])
            else:
                result.error = f"client process failed: {message[1]}"
        else:
            result.error = "a client process sent no report within 60 s"
    sent_at = {number: posts[number][0] for number in accepted}
    by_comment: dict[int, list[float]] = {}
    cpu_measure = 0.0
    for report in reports:
        result.closed_early += report.closed_early
        result.duplicates += report.duplicates
        result.other_events += report.other_events
        result.client_lag_p99_ms = max(result.client_lag_p99_ms, report.loop_lag_p99_ms)
        result.client_lag_max_ms = max(result.client_lag_max_ms, report.loop_lag_max_ms)
        cpu_measure += report.cpu_seconds_measure
        result.client_cpu_connect += report.cpu_seconds_connect
        for name, count in report.connect_errors.items():
            result.connect_errors[name] = result.connect_errors.get(name, 0) + count
        for port, comments in report.received.items():
            port_latencies = result.latencies_by_port.setdefault(port, [])
            for number, times in comments.items():
                if number not in sent_at:
                    result.other_events += len(times)
                    continue
                latencies = [at - sent_at[number] for at in times]
                result.delivered += len(latencies)
                result.latencies.extend(latencies)
                port_latencies.extend(latencies)
                by_comment.setdefault(number, []).extend(latencies)
    result.client_cpu = cpu_measure / elapsed if elapsed else 0.0
    result.machine_busy = (machine_after[0] - machine_before[0]) / elapsed
    result.latencies.sort()
    for latencies in result.latencies_by_port.values():
        latencies.sort()
    result.median_by_comment = [
        sorted(by_comment[number])[len(by_comment[number]) // 2] * 1000
        for number in sorted(by_comment)
    ]
    if result.latencies:
        first_sent = min(sent_at.values())
        last_received = first_sent + max(
            sent_at[number] - first_sent + max(latencies)
            for number, latencies in by_comment.items()
        )
        result.window_seconds = last_received - first_sent
    return result


# --- Reporting ------------------------------------------------------------------------------


def describe(result: Measurement) -> str:
    if result.error and not result.latencies:
        return f"  {setup_label(result)} {result.viewers:>6}  FAILED: {result.error}"
    cross = ""
    if len(result.latencies_by_port) > 1:
        parts = []
        for port, latencies in sorted(result.latencies_by_port.items()):
            where = "same" if port == result.post_port else "cross"
            parts.append(
                f"{where} p50 {result.percentile(0.5, latencies):.0f}/p99 "
                f"{result.percentile(0.99, latencies):.0f} ms"
            )
        cross = "  [" + "; ".join(parts) + "]"
    trend = result.median_by_comment
    head = sum(trend[:5]) / len(trend[:5]) if trend else float("nan")
    tail = sum(trend[-5:]) / len(trend[-5:]) if trend else float("nan")
    return (
        f"  {setup_label(result)} {result.viewers:>6}  connected {result.connected} "
        f"({result.connect_seconds:.1f} s)  p50 {result.percentile(0.5):.0f}  "
        f"p95 {result.percentile(0.95):.0f}  p99 {result.percentile(0.99):.0f}  "
        f"max {result.percentile(1.0):.0f} ms  {result.deliveries_per_second:,.0f} deliveries/s  "
        f"lost {result.lost}  dup {result.duplicates}  posts {result.posts_ok}/{result.comments} "
        f"(POST p50 {_ms(result.post_seconds, 0.5)} ms)  server CPU "
        f"{'+'.join(f'{c:.0%}' for c in result.server_cpu)} "
        f"({result.server_us_per_delivery:.0f} µs/delivery, RSS "
        f"{'+'.join(f'{m:.0f}' for m in result.server_rss_mb)} MB)  "
        f"client CPU {result.client_cpu:.0%} "
        f"(loop lag p99 {result.client_lag_p99_ms:.0f} ms)  machine busy "
        f"{result.machine_busy:.0%}, rest {result.others_cpu:.0%}  "
        f"median first 5 / last 5 comments "
        f"{head:.0f} / {tail:.0f} ms{cross}"
        + (f"  closed early {result.closed_early}" if result.closed_early else "")
        + (f"  ERROR {result.error}" if result.error else "")
    )


def _ms(values: list[float], fraction: float) -> str:
    if not values:
        return "-"
    index = min(len(values) - 1, max(0, math.ceil(fraction * len(values)) - 1))
    return f"{values[index] * 1000:.0f}"


SETUP_LABELS = {
    "default": "default: 1 uvicorn, {layer}, SQLite",
    "redis": "redis: 2 uvicorn, Redis pub/sub, PostgreSQL",
}


def setup_label(result: Measurement) -> str:
    return SETUP_LABELS.get(result.setup, result.setup).format(
        layer=result.layer.rsplit(".", 1)[-1]
    )


def markdown(results: list[Measurement], notes: dict[str, str]) -> str:
    lines = [
        f"Measured {notes['date']} at commit `{notes['commit']}` on {notes['machine']}; load "
        f"average before: {notes['load_before']}, after: {notes['load_after']}.",
        "",
        f"Command: `{notes['command']}`",
        "",
        "| setup | viewers | client procs | connected (s) | p50 ms | p95 ms | p99 ms | max ms "
        "| deliveries/s | lost | dup | server CPU | server µs/delivery | server RSS MB "
        "| client CPU | client lag p99 ms | rest of machine |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if r.error and not r.latencies:
            lines.append(
                f"| {setup_label(r)} | {r.viewers:,} | {r.clients} "
                f"| {r.connected:,} | failed: {r.error} | | | | | | | | | | | | |"
            )
            continue
        lines.append(
            f"| {setup_label(r)} | {r.viewers:,} | {r.clients} "
            f"| {r.connected:,} ({r.connect_seconds:.0f} s) | {r.percentile(0.5):.0f} "
            f"| {r.percentile(0.95):.0f} | {r.percentile(0.99):.0f} | {r.percentile(1.0):.0f} "
            f"| {r.deliveries_per_second:,.0f} | {r.lost:,} | {r.duplicates:,} "
            f"| {' + '.join(f'{c:.0%}' for c in r.server_cpu)} "
            f"| {r.server_us_per_delivery:.0f} "
            f"| {' + '.join(f'{m:.0f}' for m in r.server_rss_mb)} | {r.client_cpu:.0%} "
            f"| {r.client_lag_p99_ms:.0f} | {r.others_cpu:.0%} |"
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    begin, end = "<!-- live-results -->", "<!-- /live-results -->"
    block = f"{begin}\n{text}{end}"
    document = path.read_text() if path.exists() else "# Live update benchmarks\n"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        _old, tail = rest.split(end, 1)
        document = head + block + tail
    else:
        document = document.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(document)


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=harness.ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    return "unknown"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _int_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=_int_list, default=[100, 1000, 5000])
    parser.add_argument("--setups", default="default,redis", help="default, redis or both")
    parser.add_argument("--comments", type=int, default=30, help="comments posted per N")
    parser.add_argument("--rate", type=float, default=2.0, help="comments per second")
    parser.add_argument(
        "--clients",
        type=int,
        default=0,
        help="client processes (default: 1 up to 1,000 viewers, else 2)",
    )
    parser.add_argument(
        "--drain", type=float, default=20, help="seconds to wait after the last post"
    )
    parser.add_argument("--connect-limit", type=float, default=120, help="seconds to connect N")
    parser.add_argument(
        "--connect-concurrency",
        type=int,
        default=100,
        help="handshakes in flight per client process",
    )
    parser.add_argument(
        "--ws",
        default="auto",
        choices=["auto", "websockets", "websockets-sansio", "wsproto"],  # wsproto: not installed
        help="uvicorn --ws",
    )
    parser.add_argument(
        "--server-deflate",
        action="store_true",
        help="uvicorn --ws-per-message-deflate true (off by default, as the README recommends)",
    )
    parser.add_argument(
        "--no-client-deflate",
        dest="client_deflate",
        action="store_false",
        help="viewers do not offer permessage-deflate (browsers do)",
    )
    parser.add_argument(
        "--app",
        default="participation.asgi:application",
        help="ASGI application to serve",
    )
    parser.add_argument(
        "--layer",
        choices=sorted(LAYERS),
        help="channel layer of the default setup (default: the one settings.py picks)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep server logs (printed path)")
    parser.add_argument("--write", type=Path, help="update this markdown file's results block")
    args = parser.parse_args(argv)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = set(setups) - set(SETUP_LABELS)
    if unknown:
        parser.error(f"unknown setups: {', '.join(sorted(unknown))}")

    harness.stop_cleanly_on_sigterm()
    open_files = raise_open_files_limit()
    if open_files < max(args.viewers) + 100:
        print(f"warning: only {open_files} open files allowed per process", flush=True)
    notes = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "command": " ".join(
            [
                ".venv/bin/python -m tests.benchmarks.live",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
    }
    workdir = Path(tempfile.mkdtemp(prefix="mitreden-live-"))
    started = time.monotonic()
    results: list[Measurement] = []
    sites: list[Site] = []
    try:
        print(f"Preparing {', '.join(setups)} (migrate, collectstatic) ...", flush=True)
        prepare_sites(
            setups,
            workdir,
            harness.postgres_url() or DEFAULT_POSTGRES,
            harness.redis_url() or DEFAULT_REDIS,
            sites,
            args.layer,
        )
        print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)
        for site in sites:
            for viewers in args.viewers:
                print(f"  {site.setup}, {viewers} viewers ...", flush=True)
                servers = start_servers(site, args, workdir / "logs")
                try:
                    result = measure(site, servers, viewers, args)
                finally:
                    harness.stop_all(servers)
                results.append(result)
                print(describe(result), flush=True)
                for server in servers:
                    tail = server.log_tail(1500).strip()
                    if tail:
                        print(f"    {server.name} log: ...{tail[-600:]}", flush=True)
    finally:
        for site in sites:
            with contextlib.suppress(Exception):
                site.database.drop()
        if args.keep_logs:
            print(f"logs kept in {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    notes["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(results, notes)
    print()
    print(text)
    print(f"total {time.monotonic() - started:.0f} s")
    if args.write:
        write_section(args.write, text)
        print(f"wrote {args.write}")
    bad = any(r.error or r.lost or r.duplicates for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

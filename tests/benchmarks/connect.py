"""How long N browsers take to connect their live socket to one uvicorn process, the way
live.js does it (``?last_event_id=`` of the page they loaded), and to reconnect after the
server restarted (issue 10, item 3).

    .venv/bin/python -m tests.benchmarks.connect                    # 3,000 sockets
    .venv/bin/python -m tests.benchmarks.connect --viewers 5000 --concurrency 500

Same run, same server, two paths:

- **per-object socket** (``/ws/discussions/N/?last_event_id=P``): the session and user are
  loaded, the discussion looked up, the permission checked and the catch-up run, each through
  a thread hop (how every page connected before the token);
- **page socket** (``/ws/live/?token=…&last_event_id=P``): the signed token from the page; a
  fresh public one is checked without the database, and the catch-up runs only when the
  client is behind the stream's position.

A socket counts as connected when the server accepted it, which it does only after joining
the group (so: connected and subscribed). The clients run in this process on one event loop
with ``--concurrency`` handshakes in flight at once (browsers after a restart come back all at
once, jitter aside: live.js waits 0.5–1.5 s before its first retry). Needs no PostgreSQL or
Redis: the default setup (one uvicorn, SQLite, in-process layer), as ``make run``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.asyncio.client import connect

from tests.benchmarks.live import Server, prepare_sites, uvicorn_argv
from tests.benchmarks.live_client import raise_open_files_limit
from tests.deployment import harness

PAGE_SOCKET = re.compile(
    r'data-live-socket="(/ws/live/)" data-live-token="([^"]+)"\s+data-live-last-event="(\d+)"'
)


def page_socket(base_url: str, discussion: int) -> tuple[str, int]:
    with urllib.request.urlopen(f"{base_url}/diskussionen/{discussion}/", timeout=30) as answer:
        body = answer.read().decode()
    match = PAGE_SOCKET.search(body)
    assert match, "the discussion page names no page socket"
    return f"{match.group(1)}?token={match.group(2)}", int(match.group(3))


async def open_sockets(url: str, origin: str, count: int, concurrency: int):
    """Open ``count`` sockets; return (seconds, sockets, failures)."""
    limit = asyncio.Semaphore(concurrency)
    sockets, failures = [], []

    async def one():
        async with limit:
            try:
                sockets.append(
                    await connect(url, origin=origin, open_timeout=120, compression=None)
                )
            except Exception as error:  # counted, shown below
                failures.append(repr(error))

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(count)))
    return time.monotonic() - started, sockets, failures


async def close_all(sockets) -> None:
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


def measure(args) -> list[tuple[str, int, float, int]]:
    raise_open_files_limit()
    workdir = Path(tempfile.mkdtemp(prefix="mitreden-connect-"))
    sites = []
    prepare_sites(["default"], workdir, "", "", sites)
    site = sites[0]
    server_args = argparse.Namespace(
        ws="auto", app="participation.asgi:application", server_deflate=False
    )

    def start() -> Server:
        server = Server(
            "uvicorn-connect",
            uvicorn_argv(0, server_args),
            env=site.env,
            port=0,
            log_dir=workdir / "logs",
        )
        server.launch()
        server.wait_until_ready(ready_path=f"/diskussionen/{site.discussion}/", timeout=90)
        return server

    rows = []
    server = start()
    try:
        base = f"http://{harness.LOOPBACK}:{server.port}"
        page_path, position = page_socket(base, site.discussion)
        paths = {
            "per-object socket": f"/ws/discussions/{site.discussion}/?last_event_id={position}",
            "page socket (token)": f"{page_path}&last_event_id={position}",
        }
        for label, path in paths.items():
            url = f"ws://{harness.LOOPBACK}:{server.port}{path}"
            cpu = server.cpu_seconds()
            seconds, sockets, failures = asyncio.run(
                _connect_and_close(url, base, args.viewers, args.concurrency)
            )
            rows.append(
                (label, args.viewers, seconds, len(sockets), failures, server.cpu_seconds() - cpu)
            )
        # A restart: every page socket comes back at once to a fresh process.
        url = f"ws://{harness.LOOPBACK}:{server.port}{paths['page socket (token)']}"
        server.stop()
        server = start()
        url = f"ws://{harness.LOOPBACK}:{server.port}{paths['page socket (token)']}"
        base = f"http://{harness.LOOPBACK}:{server.port}"
        cpu = server.cpu_seconds()
        seconds, sockets, failures = asyncio.run(
            _connect_and_close(url, base, args.restart_viewers, args.concurrency)
        )
        rows.append(
            (
                "page socket, after a restart",
                args.restart_viewers,
                seconds,
                len(sockets),
                failures,
                server.cpu_seconds() - cpu,
            )
        )
    finally:
        server.stop()
        for item in sites:
            item.database.drop()
    return rows


async def _connect_and_close(url, origin, count, concurrency):
    seconds, sockets, failures = await open_sockets(url, origin, count, concurrency)
    await close_all(sockets)
    await asyncio.sleep(1)
    return seconds, sockets, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=3000)
    parser.add_argument("--restart-viewers", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=500)
    args = parser.parse_args(argv)
    rows = measure(args)
    print("| path | sockets | connected | seconds | per second | server CPU s | failures |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, count, seconds, connected, failures, cpu in rows:
        print(
            f"| {label} | {count:,} | {connected:,} | {seconds:.1f} | "
            f"{connected / seconds:,.0f} | {cpu:.1f} | {len(failures)} "
            f"{failures[:1] if failures else ''} |"
        )
    return 0 if all(not row[4] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

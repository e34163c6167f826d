"""Viewer processes for the live benchmark (tests/benchmarks/live.py).

One process holds many WebSocket viewers of one discussion on one event loop (uvloop when
available). While the benchmark runs, a viewer only appends ``(time.monotonic(), message)``
for every frame it receives and bumps a shared counter; parsing happens after the run, so the
measured path on the client is as short as possible. ``time.monotonic()`` is CLOCK_MONOTONIC,
which Linux shares between processes, so receive times compare with the send times taken in
the benchmark's main process.

The process also samples its own event-loop lag (how late a 10 ms sleep wakes up): when the
client is CPU-starved, the lag shows how much of a measured latency is the client's own delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import resource
import time
from dataclasses import dataclass, field

COMMENT_POSTED = "discussion.comment_posted"
LAG_SAMPLE_SECONDS = 0.01


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class ViewerTask:
    """What one client process is asked to do."""

    index: int
    urls: list[str]  # one per viewer, in connection order
    origins: list[str]
    marker_pattern: str  # regex with one group: the comment number
    compression: bool = True
    connect_concurrency: int = 100
    connect_timeout: float = 60.0


@dataclass
class ViewerReport:
    """What one client process measured; receive times are time.monotonic() seconds."""

    index: int
    viewers: int = 0
    connected: int = 0
    connect_failures: int = 0
    connect_errors: dict[str, int] = field(default_factory=dict)
    connect_seconds: float = 0.0
    closed_early: int = 0  # sockets the server closed while the benchmark was running
    close_codes: dict[str, int] = field(default_factory=dict)
    # server port -> comment number -> receive times (one per delivery, duplicates included)
    received: dict[int, dict[int, list[float]]] = field(default_factory=dict)
    duplicates: int = 0  # deliveries of an event id the same viewer had already seen
    other_events: int = 0  # frames that were not a benchmark comment
    frames: int = 0
    loop_lag_p99_ms: float = 0.0
    loop_lag_max_ms: float = 0.0
    cpu_seconds_connect: float = 0.0
    cpu_seconds_measure: float = 0.0


class Viewer:
    __slots__ = ("close_code", "closed_early", "frames", "port", "socket", "task")

    def __init__(self, url: str):
        self.port = int(url.split("/")[2].rsplit(":", 1)[1])
        self.socket = None
        self.task = None
        self.frames: list[tuple[float, str]] = []
        self.closed_early = False
        self.close_code = None


async def _connect(viewer: Viewer, url: str, origin: str, task: ViewerTask, limit, report):
    from websockets.asyncio.client import connect

    async with limit:
        for attempt in range(3):
            try:
                viewer.socket = await connect(
                    url,
                    origin=origin,
                    open_timeout=task.connect_timeout,
                    close_timeout=5,
                    # Browsers send no pings; do not let a busy server's slow pong kill a viewer.
                    ping_interval=None,
                    ping_timeout=None,
                    compression="deflate" if task.compression else None,
                    max_queue=None,
                )
                return
            except Exception as error:  # counted and reported
                name = type(error).__name__
                if attempt == 2:
                    report.connect_errors[name] = report.connect_errors.get(name, 0) + 1
                    report.connect_failures += 1
                    return
                await asyncio.sleep(0.5 * (attempt + 1))


async def _listen(viewer: Viewer, counter) -> None:
    socket = viewer.socket
    frames = viewer.frames
    clock = time.monotonic
    try:
        async for message in socket:
            frames.append((clock(), message))
            counter.value += 1
    except Exception:  # a broken socket is reported as closed early
        pass
    viewer.closed_early = True
    viewer.close_code = getattr(socket, "close_code", None)


async def _lag_sampler(samples: list[float], stop: asyncio.Event) -> None:
    clock = time.monotonic
    while not stop.is_set():
        before = clock()
        await asyncio.sleep(LAG_SAMPLE_SECONDS)
        samples.append(clock() - before - LAG_SAMPLE_SECONDS)


async def _run(task: ViewerTask, connected_event, start_measure, stop_event, counter, conn):
    report = ViewerReport(index=task.index, viewers=len(task.urls))
    viewers = [Viewer(url) for url in task.urls]
    limit = asyncio.Semaphore(task.connect_concurrency)
    cpu0 = time.process_time()
    began = time.monotonic()
    await asyncio.gather(
        *(
            _connect(viewer, url, origin, task, limit, report)
            for viewer, url, origin in zip(viewers, task.urls, task.origins, strict=True)
        )
    )
    report.connect_seconds = time.monotonic() - began
    report.cpu_seconds_connect = time.process_time() - cpu0
    live = [viewer for viewer in viewers if viewer.socket is not None]
    report.connected = len(live)
    for viewer in live:
        viewer.task = asyncio.ensure_future(_listen(viewer, counter))
    conn.send(("connected", report.connected, report.connect_failures, report.connect_seconds))
    connected_event.set()

    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, start_measure.wait)
    lag: list[float] = []
    lag_stop = asyncio.Event()
    sampler = asyncio.ensure_future(_lag_sampler(lag, lag_stop))
    cpu1 = time.process_time()
    while not stop_event.is_set():
        await asyncio.sleep(0.05)
    report.cpu_seconds_measure = time.process_time() - cpu1
    lag_stop.set()
    await sampler

    # The run is over: note who was closed by the server, then close everyone.
    for viewer in live:
        if viewer.closed_early:
            report.closed_early += 1
            code = str(viewer.close_code)
            report.close_codes[code] = report.close_codes.get(code, 0) + 1

    async def close(viewer: Viewer):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(viewer.socket.close(), 5)
        viewer.task.cancel()

    await asyncio.gather(*(close(viewer) for viewer in live))

    if lag:
        lag.sort()
        report.loop_lag_p99_ms = lag[min(len(lag) - 1, int(0.99 * len(lag)))] * 1000
        report.loop_lag_max_ms = lag[-1] * 1000
    _parse(task, live, report)
    return report


def _parse(task: ViewerTask, viewers: list[Viewer], report: ViewerReport) -> None:
    marker = re.compile(task.marker_pattern)
    for viewer in viewers:
        received = report.received.setdefault(viewer.port, {})
        seen: set[int] = set()
        for at, message in viewer.frames:
            report.frames += 1
            try:
                event = json.loads(message)
            except ValueError:
                report.other_events += 1
                continue
            if event.get("type") != COMMENT_POSTED:
                report.other_events += 1
                continue
            found = marker.search(event.get("payload", {}).get("html", ""))
            if found is None:
                report.other_events += 1
                continue
            event_id = event.get("id")
            if event_id in seen:
                report.duplicates += 1
            seen.add(event_id)
            received.setdefault(int(found.group(1)), []).append(at)
        viewer.frames = []


def run_viewers(task: ViewerTask, connected_event, start_measure, stop_event, counter, conn):
    """Entry point of a client process (multiprocessing target)."""
    raise_open_files_limit()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    try:
        report = runner(_run(task, connected_event, start_measure, stop_event, counter, conn))
        conn.send(("report", report))
    except BaseException as error:  # the parent must learn why
        conn.send(("error", f"{type(error).__name__}: {error}"))
        connected_event.set()
        raise
    finally:
        conn.close()

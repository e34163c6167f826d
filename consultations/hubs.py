"""Fan-out of live events inside one server process: one channel-layer subscription per group.

Channels' usual pattern gives every WebSocket its own channel in the layer and adds it to the
group, so one broadcast becomes N queue puts, N wake-ups, N ``await_many_dispatch`` rounds and N
JSON encodings (measured: 140–190 µs of server CPU per delivered event; a process then cannot
keep up with 5,000 viewers of a busy discussion, see docs/live-benchmarks.md). Here the first
viewer of a group in a process starts a ``GroupHub``: it joins the group once, encodes each event
once and writes it to every local viewer's socket (40–80 µs per delivery, mostly the WebSocket
framing). With Redis that is also one subscription per process and group instead of one per
browser.

A hub lives on one event loop (a server process has one; tests have one per test) and stops, and
leaves the group, when its last viewer leaves. Writing to a socket does not wait for the
browser: uvicorn's WebSocket protocol only appends to the transport's buffer, so one slow
reader cannot hold up the others. If the hub's subscription fails, its viewers are closed with
"service restart" (1012): browsers reconnect and catch up from the last event id they saw.
While the layer's Redis is known to be away (``participation.redis_guard``) a hub fails at
once, without waiting for Redis, and the outage is logged by the guard, not per socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from typing import Protocol

from participation import redis_guard

logger = logging.getLogger(__name__)

# Close code for "the server is restarting, try again" (RFC 6455 registry).
CLOSE_SERVICE_RESTART = 1012


class Viewer(Protocol):
    """What a hub needs of a consumer (``LiveConsumer`` provides it).

    ``live_backlog`` is a list while the viewer is still being sent what it missed (the hub
    queues live events there, so they follow the catch-up in order), None once it is live.
    ``caught_up`` holds the ids its catch-up sent: with Redis an event recorded during the
    catch-up can arrive live after it, and must not be sent twice.
    """

    live_backlog: list[tuple[int | None, dict]] | None
    caught_up: frozenset[int]

    async def base_send(self, message: dict) -> None: ...

    async def close_for_restart(self) -> None: ...


def encode(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


class GroupHub:
    """One event loop's subscription to one group, relaying ``live.event`` messages to the
    viewers connected to this process."""

    def __init__(self, layer, group: str, on_stop) -> None:
        self.layer = layer
        self.group = group
        self.viewers: dict[Viewer, None] = {}  # an insertion-ordered set
        self._on_stop = on_stop
        self._subscribed: asyncio.Future = asyncio.get_running_loop().create_future()
        # The newest event id relayed, and the stream's position read once after subscribing:
        # an event above both reaches every viewer live, so a client at or above both has
        # missed nothing (``is_caught_up``).
        self.newest_relayed = 0
        self._position: asyncio.Future | None = None
        self._task = asyncio.create_task(self._run(), name=f"live hub {group}")

    async def subscribed(self) -> None:
        """Wait until the hub hears the group (raises if it cannot)."""
        await asyncio.shield(self._subscribed)

    async def is_caught_up(self, last_event_id: int, read_position) -> bool:
        """Whether a client that has seen the group up to ``last_event_id`` has missed
        nothing. ``read_position`` (async, reads the stream's position in the database) runs
        once per hub, after it subscribed: every event committed before that read has an id at
        or below it (ids follow commits within a stream, see ``realtime``), every later one
        reaches the hub, and those it already relayed are in ``newest_relayed``."""
        await self.subscribed()
        if self._position is None:
            self._position = asyncio.ensure_future(read_position(self.group))
        try:
            position = await asyncio.shield(self._position)
        except Exception:
            self._position = None  # read again for the next client
            raise
        return last_event_id >= max(position, self.newest_relayed)

    def add(self, viewer: Viewer) -> None:
        self.viewers[viewer] = None

    def remove(self, viewer: Viewer) -> None:
        self.viewers.pop(viewer, None)
        if not self.viewers:
            self.stop()

    def stop(self) -> None:
        self._on_stop(self)
        self._task.cancel()

    async def _run(self) -> None:
        channel = None
        renewal = None
        guard = redis_guard.guard_for_layer(self.layer)
        try:
            if guard is not None and not guard.available():
                raise redis_guard.RedisAway(guard.address)
            channel = await self.layer.new_channel(prefix="hub.")
            await self.layer.group_add(self.group, channel)
            renewal = asyncio.create_task(self._renew(channel))
            self._subscribed.set_result(None)
            while True:
                message = await self.layer.receive(channel)
                if message.get("type") == "live.event":
                    await self._relay(message["event"])
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if guard is not None and isinstance(error, redis_guard.REDIS_ERRORS):
                guard.failed(error)  # logged there, once per outage
            else:
                logger.warning(
                    "Live hub for %s stopped; its viewers will reconnect", self.group, exc_info=True
                )
            if not self._subscribed.done():
                self._subscribed.set_exception(error)
            self._on_stop(self)
            for viewer in list(self.viewers):
                with contextlib.suppress(Exception):
                    await viewer.close_for_restart()
        finally:
            if renewal is not None:
                renewal.cancel()
            if not self._subscribed.done():
                self._subscribed.cancel()
            if channel is not None:
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(self.group, channel)

    async def _renew(self, channel: str) -> None:
        """Layers forget group members after ``group_expiry``; a hub may outlive that."""
        interval = max(float(getattr(self.layer, "group_expiry", 86400)) / 2, 0.1)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self.layer.group_add(self.group, channel)

    async def _relay(self, event: dict) -> None:
        message = {"type": "websocket.send", "text": encode(event)}
        event_id = event.get("id")
        if isinstance(event_id, int) and event_id > self.newest_relayed:
            self.newest_relayed = event_id
        for viewer in list(self.viewers):
            backlog = viewer.live_backlog
            if backlog is not None:
                backlog.append((event_id, message))
                continue
            if event_id in viewer.caught_up:  # sent already, in its catch-up
                continue
            try:
                await viewer.base_send(message)
            except Exception:
                # The socket is gone; its disconnect removes the viewer. Others still get it.
                self.viewers.pop(viewer, None)


# Hubs of each running event loop, by (layer, group). Loops come and go in tests.
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict] = weakref.WeakKeyDictionary()


def _hubs_of_this_loop() -> dict:
    loop = asyncio.get_running_loop()
    hubs = _hubs.get(loop)
    if hubs is None:
        hubs = _hubs[loop] = {}
    return hubs


def hub_for(layer, group: str) -> GroupHub:
    """The running hub for ``group`` in this process, started if there is none."""
    hubs = _hubs_of_this_loop()
    key = (id(layer), group)
    hub = hubs.get(key)
    if hub is None or hub.layer is not layer:

        def forget(stopped: GroupHub) -> None:
            if hubs.get(key) is stopped:
                del hubs[key]

        hub = hubs[key] = GroupHub(layer, group, forget)
    return hub


def running_hubs() -> list[GroupHub]:
    """This loop's hubs (for tests and diagnostics)."""
    return list(_hubs_of_this_loop().values())

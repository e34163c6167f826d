"""A prototype, for the live benchmark only: one channel-layer subscription per process and group.

Run the benchmark against it with ``--app tests.benchmarks.live_fanout:application``. It is the
production ASGI application except for ``/ws/discussions/<id>/``, served here by
``FanOutDiscussionConsumer``: the same permission check and catch-up as ``DiscussionConsumer``,
but the consumer has no channel of its own. Instead, the first viewer of a discussion in a
process starts a ``GroupHub`` that joins the group once and relays each ``live.event`` to all
local viewers, serialising the JSON once per event instead of once per viewer. What this skips
per delivered event: a layer queue put and wake-up, Channels' ``await_many_dispatch`` (a new
task and an ``asyncio.wait`` per message), the consumer's dispatch and ``json.dumps``, and with
Redis one subscription per viewer.

Not production code: it does not renew the group membership before ``group_expiry`` (a day),
and a failing send to one viewer is ignored rather than closing that viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "participation.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from consultations import consumers  # noqa: E402
from consultations.routing import websocket_urlpatterns  # noqa: E402


class GroupHub:
    """One process's subscription to one group, relaying to the local viewers."""

    def __init__(self, group: str):
        self.group = group
        self.members: dict = {}  # insertion-ordered set of consumers
        self.task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    async def join(self, consumer) -> None:
        self.members[consumer] = None
        if self.task is None:
            self.task = asyncio.ensure_future(self._run())
        await self.ready.wait()

    def leave(self, consumer) -> None:
        self.members.pop(consumer, None)

    async def _run(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(self.group, channel)
        self.ready.set()
        while True:
            message = await layer.receive(channel)
            if message.get("type") != "live.event":
                continue
            out = {
                "type": "websocket.send",
                "text": json.dumps(message["event"], separators=(",", ":")),
            }
            for consumer in list(self.members):
                with contextlib.suppress(Exception):
                    await consumer.base_send(out)


_hubs: dict[str, GroupHub] = {}


def hub_for(group: str) -> GroupHub:
    hub = _hubs.get(group)
    if hub is None:
        hub = _hubs[group] = GroupHub(group)
    return hub


class FanOutDiscussionConsumer(consumers.DiscussionConsumer):
    # No channel of its own: the consumer only hears its socket; the hub sends on its behalf.
    channel_layer_alias = "no-layer-per-viewer"

    async def connect(self):
        import rules

        target = await self.get_target()
        if target is None:
            await self.close(code=consumers.CLOSE_NOT_FOUND)
            return
        user = self.scope.get("user")
        if not await database_sync_to_async(rules.has_perm)(self.permission, user, target):
            await self.close(code=consumers.CLOSE_FORBIDDEN)
            return
        self.group = self.group_for(target)
        await hub_for(self.group).join(self)
        await self.accept()
        await self.catch_up()

    async def disconnect(self, code):
        group = getattr(self, "group", None)
        if group:
            hub_for(group).leave(self)


_patterns = [
    path("ws/discussions/<int:discussion_id>/", FanOutDiscussionConsumer.as_asgi()),
    *(p for p in websocket_urlpatterns if "discussions" not in str(p.pattern)),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(_patterns))),
    }
)

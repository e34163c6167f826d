"""One subscription per process and group: the hub behind every live socket."""

import asyncio
import itertools
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from consultations import hubs, realtime
from consultations.actions.consultations import publish_results
from consultations.layers import InProcessChannelLayer
from consultations.routing import websocket_urlpatterns
from tests.factories import make_consultation, make_user

pytestmark = pytest.mark.asyncio


def communicator(consultation_id, query=""):
    path = f"/ws/consultations/{consultation_id}/" + (f"?{query}" if query else "")
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    comm.scope["user"] = AnonymousUser()
    return comm


async def receive(comm):
    return json.loads(await comm.receive_from(timeout=3))


WAIT_SECONDS = 5


async def until(changed: asyncio.Event, condition) -> None:
    """Wait until ``condition()`` holds, re-checking each time ``changed`` is set."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():
            changed.clear()
            await changed.wait()


@pytest.mark.django_db(transaction=True)
async def test_viewers_of_a_group_share_one_subscription_that_ends_with_the_last(monkeypatch):
    consultation = await sync_to_async(make_consultation)(active="results")
    group = realtime.consultation_group(consultation.pk)
    layer = get_channel_layer()  # the configured one: in-process, or Redis in CI
    members = set()
    left = asyncio.Event()
    group_add, group_discard = layer.group_add, layer.group_discard

    async def add(name, channel):
        members.add((name, channel))
        await group_add(name, channel)

    async def discard(name, channel):
        members.discard((name, channel))
        await group_discard(name, channel)
        left.set()

    monkeypatch.setattr(layer, "group_add", add)
    monkeypatch.setattr(layer, "group_discard", discard)
    first, second = communicator(consultation.pk), communicator(consultation.pk)
    assert (await first.connect())[0] and (await second.connect())[0]

    (hub,) = [hub for hub in hubs.running_hubs() if hub.group == group]
    assert len(hub.viewers) == 2
    assert len(members) == 1  # one channel for both sockets

    await layer.group_send(group, {"type": "live.event", "event": {"id": 7, "type": "t"}})
    assert await receive(first) == {"id": 7, "type": "t"}
    assert await receive(second) == {"id": 7, "type": "t"}

    await first.disconnect()
    assert len(hub.viewers) == 1 and members
    await second.disconnect()
    await until(left, lambda: not members)  # the hub leaves the group as it stops
    assert hub not in hubs.running_hubs()


@pytest.mark.django_db(transaction=True)
async def test_events_published_during_a_catch_up_follow_it_once_and_in_order(monkeypatch):
    consultation = await sync_to_async(make_consultation)(active="results")
    editor = await sync_to_async(make_user)(groups=("Editors",))
    seen = await sync_to_async(realtime.current_event_id)(
        realtime.consultation_group(consultation.pk)
    )
    await sync_to_async(publish_results)(editor=editor, consultation=consultation, statement="A")

    original = realtime.events_since

    def publish_while_catching_up(group, last_event_id, **kwargs):
        # The hub already listens: "B" reaches it live *and* is in the catch-up below.
        publish_results(editor=editor, consultation=consultation, statement="B")
        missed = original(group, last_event_id, **kwargs)
        publish_results(editor=editor, consultation=consultation, statement="C")
        return missed

    monkeypatch.setattr(realtime, "events_since", publish_while_catching_up)
    comm = communicator(consultation.pk, query=f"last_event_id={seen}")
    assert (await comm.connect())[0]
    events = [await receive(comm) for _ in range(3)]
    assert [event["payload"]["statement"] for event in events] == ["A", "B", "C"]
    assert [event["id"] for event in events] == sorted({event["id"] for event in events})
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


class Backlog(list):
    """A catching-up viewer's backlog that says when the hub added to it."""

    def __init__(self, changed: asyncio.Event):
        super().__init__()
        self.changed = changed

    def append(self, item):
        super().append(item)
        self.changed.set()


class FakeViewer:
    def __init__(self, fail=False):
        self.fail = fail
        self.live_backlog = None
        self.caught_up = frozenset()
        self.sent = []
        self.closed = False
        self.changed = asyncio.Event()

    async def base_send(self, message):
        self.changed.set()
        if self.fail:
            raise OSError("socket gone")
        self.sent.append(message["text"])

    async def close_for_restart(self):
        self.closed = True
        self.changed.set()

    async def until(self, condition) -> None:
        await until(self.changed, condition)


async def started_hub(layer, group="discussion.1"):
    hub = hubs.hub_for(layer, group)
    await hub.subscribed()
    return hub


async def test_a_broken_socket_does_not_stop_the_others():
    layer = InProcessChannelLayer()
    hub = await started_hub(layer)
    broken, healthy = FakeViewer(fail=True), FakeViewer()
    hub.add(broken)
    hub.add(healthy)
    for event_id in (1, 2):
        await layer.group_send("discussion.1", {"type": "live.event", "event": {"id": event_id}})
    await healthy.until(lambda: len(healthy.sent) == 2)
    assert healthy.sent == ['{"id":1}', '{"id":2}']  # encoded once, compactly
    assert broken not in hub.viewers
    hub.remove(healthy)


async def test_a_viewer_still_catching_up_gets_live_events_queued():
    layer = InProcessChannelLayer()
    hub = await started_hub(layer)
    viewer = FakeViewer()
    viewer.live_backlog = Backlog(viewer.changed)
    hub.add(viewer)
    await layer.group_send("discussion.1", {"type": "live.event", "event": {"id": 3}})
    await viewer.until(lambda: viewer.live_backlog)
    assert viewer.live_backlog == [(3, {"type": "websocket.send", "text": '{"id":3}'})]
    assert viewer.sent == []
    hub.remove(viewer)


class FailingLayer(InProcessChannelLayer):
    async def receive(self, channel):
        raise ConnectionError("Redis went away")


async def test_when_the_subscription_fails_viewers_are_closed_to_reconnect():
    layer = FailingLayer()
    hub = hubs.hub_for(layer, "discussion.2")
    viewer = FakeViewer()
    hub.add(viewer)
    await viewer.until(lambda: viewer.closed)
    assert hubs.hub_for(layer, "discussion.2") is not hub  # the next viewer starts afresh
    hubs.hub_for(layer, "discussion.2").stop()


async def test_membership_is_renewed_before_the_layer_forgets_it(monkeypatch):
    layer = InProcessChannelLayer(group_expiry=0.2)
    calls = []
    called = asyncio.Event()
    original = layer.group_add

    async def counting_group_add(group, channel):
        calls.append((asyncio.get_running_loop().time(), channel))
        await original(group, channel)
        called.set()

    monkeypatch.setattr(layer, "group_add", counting_group_add)
    hub = await started_hub(layer, "discussion.3")
    await until(called, lambda: len(calls) >= 3)  # joined, then renewed twice
    hub.stop()
    (joined, channel), *renewals = calls
    assert all(renewed_channel == channel for _, renewed_channel in renewals)
    # Paced (every group_expiry / 2), not in a busy loop; how late a busy machine wakes the
    # hub is not the hub's doing, so there is no upper bound here.
    times = [joined] + [at for at, _ in renewals]
    assert all(later - earlier >= 0.09 for earlier, later in itertools.pairwise(times))


async def test_an_event_already_sent_in_the_catch_up_is_not_sent_again_when_it_arrives_late():
    layer = InProcessChannelLayer()
    hub = await started_hub(layer, "discussion.4")
    viewer = FakeViewer()
    viewer.caught_up = frozenset({5})
    hub.add(viewer)
    for event_id in (5, 6, 7):
        await layer.group_send("discussion.4", {"type": "live.event", "event": {"id": event_id}})
    # Events are relayed in order: once 7 is through, 5 was either sent or left out.
    await viewer.until(lambda: '{"id":7}' in viewer.sent)
    assert viewer.sent == ['{"id":6}', '{"id":7}']
    hub.remove(viewer)


async def test_with_redis_away_a_hub_fails_at_once_without_asking_redis(monkeypatch):
    """Each socket that connects while Redis is away must not wait for it (nor log again)."""
    import socket
    import time

    from channels_redis.pubsub import RedisPubSubChannelLayer

    from participation import redis_guard

    redis_guard.reset()
    with socket.socket() as hung:  # accepts connections, never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        address = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        layer = RedisPubSubChannelLayer(hosts=[{"address": address, "socket_timeout": 0.5}])
        asked = []

        async def group_add(group, channel):
            asked.append(group)

        monkeypatch.setattr(layer, "group_add", group_add)
        redis_guard.guard_for(address).failed(ConnectionError("Redis went away"))
        try:
            hub = hubs.hub_for(layer, "discussion.3")
            started = time.monotonic()
            with pytest.raises(ConnectionError):
                await asyncio.wait_for(hub.subscribed(), timeout=2)
            assert time.monotonic() - started < 0.5
            assert asked == []
            assert hubs.hub_for(layer, "discussion.3") is not hub
            hubs.hub_for(layer, "discussion.3").stop()
        finally:
            redis_guard.reset()

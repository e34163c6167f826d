"""InProcessChannelLayer: the Channels layer contract, expiry, threads, and O(members) broadcasts.

The contract tests follow Channels' own tests of InMemoryChannelLayer
(tests/test_inmemorychannel.py) so the layer can replace it without surprises.
"""

import asyncio
import sys
import threading
import time

import channels.consumer
import channels.generic.websocket
import pytest
import pytest_asyncio
from asgiref.sync import async_to_sync, sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from consultations.layers import InProcessChannelLayer, MessageQueue

pytestmark = pytest.mark.asyncio

LAYER_PATH = "consultations.layers.InProcessChannelLayer"


@pytest_asyncio.fixture
async def layer():
    layer = InProcessChannelLayer(capacity=3)
    yield layer
    await layer.flush()
    await layer.close()


async def receive(layer, channel, timeout=2):
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def assert_nothing_on(layer, channel):
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.05)


async def until_receiving(layer, channel):
    """Until a ``receive()`` on ``channel`` has started and waits for a message."""
    async with asyncio.timeout(5):
        while not (channel in layer.channels and layer.channels[channel].receivers):
            await asyncio.sleep(0)  # let the receiving task run up to its wait


# --- The contract, as Channels tests the stock in-memory layer --------------------------------


async def test_send_and_receive_round_trip(layer):
    await layer.send("test-channel-1", {"type": "test.message", "text": "Ahoy-hoy!"})
    assert await receive(layer, "test-channel-1") == {"type": "test.message", "text": "Ahoy-hoy!"}


async def test_process_local_channel_round_trip(layer):
    channel = await layer.new_channel()
    assert "!" in channel
    assert channel != await layer.new_channel()
    await layer.send(channel, {"type": "test.message", "text": "Local only please"})
    assert (await receive(layer, channel))["text"] == "Local only please"


async def test_messages_arrive_in_order(layer):
    for n in (1, 2, 3):
        await layer.send("test-channel-3", {"type": f"message.{n}"})
    assert [(await receive(layer, "test-channel-3"))["type"] for _ in range(3)] == [
        "message.1",
        "message.2",
        "message.3",
    ]


async def test_a_waiting_receiver_is_woken_by_a_send(layer):
    waiting = asyncio.create_task(layer.receive("test-channel-1"))
    await asyncio.sleep(0)
    await layer.send("test-channel-1", {"type": "message.1"})
    assert (await asyncio.wait_for(waiting, 2))["type"] == "message.1"


async def test_send_raises_channel_full_at_capacity(layer):
    for _ in range(3):
        await layer.send("test-channel-1", {"type": "test.message"})
    with pytest.raises(ChannelFull):
        await layer.send("test-channel-1", {"type": "test.message"})


async def test_channel_capacity_patterns_override_the_default():
    layer = InProcessChannelLayer(capacity=3, channel_capacity={"big.*": 5})
    for _ in range(5):
        await layer.send("big.one", {"type": "m"})
    with pytest.raises(ChannelFull):
        await layer.send("big.one", {"type": "m"})
    for _ in range(3):
        await layer.send("small.one", {"type": "m"})
    with pytest.raises(ChannelFull):
        await layer.send("small.one", {"type": "m"})


async def test_groups_basic(layer):
    for channel in ("test-gr-chan-1", "test-gr-chan-2", "test-gr-chan-3"):
        await layer.group_add("test-group", channel)
    await layer.group_discard("test-group", "test-gr-chan-2")
    await layer.group_send("test-group", {"type": "message.1"})
    assert (await receive(layer, "test-gr-chan-1"))["type"] == "message.1"
    assert (await receive(layer, "test-gr-chan-3"))["type"] == "message.1"
    await assert_nothing_on(layer, "test-gr-chan-2")


async def test_group_send_to_an_unknown_group_does_nothing(layer):
    await layer.group_send("nobody-here", {"type": "message.1"})
    await layer.group_discard("nobody-here", "test-channel-1")
    assert layer.groups == {} and layer.channels == {}


async def test_full_member_is_skipped_and_the_others_still_get_every_message(layer):
    await layer.group_add("test-group", "slow")
    await layer.group_add("test-group", "fast")
    received = []
    for n in range(5):
        await layer.group_send("test-group", {"type": "message", "n": n})  # never raises
        received.append((await receive(layer, "fast"))["n"])
    assert received == [0, 1, 2, 3, 4]
    # The slow member kept the first three (its capacity) and missed the rest.
    assert [(await receive(layer, "slow"))["n"] for _ in range(3)] == [0, 1, 2]
    await assert_nothing_on(layer, "slow")


async def test_receivers_get_their_own_copies(layer):
    message = {"type": "message", "tags": ["a"]}
    await layer.group_add("g", "one")
    await layer.group_add("g", "two")
    await layer.group_send("g", message)
    await layer.send("one", message)
    message["tags"].append("changed by the sender")
    first = await receive(layer, "one")
    first["tags"].append("changed by a receiver")
    assert (await receive(layer, "two"))["tags"] == ["a"]
    assert (await receive(layer, "one"))["tags"] == ["a"]


async def test_unpicklable_messages_are_still_delivered_by_group_send(layer):
    class Plain:
        def __reduce__(self):
            raise TypeError("not picklable")

        def __deepcopy__(self, memo):
            return self

    value = Plain()
    await layer.group_add("g", "one")
    await layer.group_send("g", {"type": "message", "value": value})
    assert (await receive(layer, "one"))["value"] is value


async def test_channel_state_is_forgotten_once_unused(layer):
    await layer.group_add("g", "one")
    await layer.group_send("g", {"type": "message"})
    await receive(layer, "one")
    assert "one" in layer.channels  # still in a group
    await layer.group_discard("g", "one")
    assert layer.channels == {} and layer.groups == {}

    await layer.send("two", {"type": "message"})
    await receive(layer, "two")
    assert layer.channels == {}


async def test_a_cancelled_receive_leaves_nothing_behind(layer):
    await assert_nothing_on(layer, "test-channel-1")
    assert layer.channels == {}


async def test_flush_drops_messages_and_groups_but_not_waiting_receivers(layer):
    await layer.group_add("g", "one")
    await layer.send("two", {"type": "message"})
    waiting = asyncio.create_task(layer.receive("three"))
    await asyncio.sleep(0)

    await layer.flush()

    assert layer.groups == {}
    assert list(layer.channels) == ["three"]
    await assert_nothing_on(layer, "two")
    await layer.group_send("g", {"type": "message"})
    await assert_nothing_on(layer, "one")
    await layer.send("three", {"type": "after.flush"})
    assert (await asyncio.wait_for(waiting, 2))["type"] == "after.flush"


@pytest.mark.parametrize(
    "name", ["", "with space", "ümlaut", "a" * 100, 42, None, b"bytes", "a!b!c"]
)
async def test_invalid_channel_names_are_refused(layer, name):
    with pytest.raises(TypeError):
        await layer.send(name, {"type": "m"})
    with pytest.raises(TypeError):
        await layer.receive(name)
    with pytest.raises(TypeError):
        await layer.group_add("g", name)
    with pytest.raises(TypeError):
        await layer.group_discard("g", name)


@pytest.mark.parametrize("name", ["", "with space", "ümlaut", "a" * 100, 42, None, "a!b"])
async def test_invalid_group_names_are_refused(layer, name):
    with pytest.raises(TypeError):
        await layer.group_add(name, "channel")
    with pytest.raises(TypeError):
        await layer.group_discard(name, "channel")
    with pytest.raises(TypeError):
        await layer.group_send(name, {"type": "m"})


async def test_messages_must_be_dicts(layer):
    await layer.group_add("g", "one")
    for message in ("text", ["type", "m"], None):
        with pytest.raises(TypeError):
            await layer.send("one", message)
        with pytest.raises(TypeError):
            await layer.group_send("g", message)


async def test_names_are_checked_by_the_base_class_helpers(layer):
    assert layer.extensions == ["groups", "flush"]
    assert layer.require_valid_channel_name("specific.inprocess!abc")
    assert layer.require_valid_group_name("consultation.12")
    with pytest.raises(TypeError):
        layer.require_valid_channel_name("specific!abc", receive=True)
    with pytest.raises(TypeError):
        layer.require_valid_group_name("bad name")


# --- Expiry ------------------------------------------------------------------------------------

# Expiry is tested on a clock the test moves (the layer's ``time``; asyncio keeps the real
# one), so nothing waits and a busy machine cannot expire what a test expects to be fresh.
EXPIRY = 60
EXPIRED = 61


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    from consultations import layers

    fake = FakeClock()
    monkeypatch.setattr(layers, "time", fake)
    return fake


async def test_expired_message_is_dropped_and_its_channel_forgotten(clock):
    layer = InProcessChannelLayer(expiry=EXPIRY)
    await layer.send("test-channel-1", {"type": "message.1"})
    assert len(layer.channels) == 1
    clock.advance(EXPIRED)
    await assert_nothing_on(layer, "test-channel-1")
    assert len(layer.channels) == 0


async def test_unread_channel_is_swept_even_if_never_read_again(clock):
    layer = InProcessChannelLayer(expiry=EXPIRY)
    await layer.send("test-channel-1", {"type": "message.1"})
    clock.advance(EXPIRED)
    await layer.send("test-channel-2", {"type": "message.2"})
    assert (await receive(layer, "test-channel-2"))["type"] == "message.2"
    assert len(layer.channels) == 0


async def test_only_the_expired_messages_are_dropped(clock):
    layer = InProcessChannelLayer(expiry=EXPIRY)
    for n in (1, 2, 3):
        await layer.send("test-channel-1", {"type": f"message.{n}"})
    assert (await receive(layer, "test-channel-1"))["type"] == "message.1"
    clock.advance(EXPIRED)
    await layer.send("test-channel-1", {"type": "message.4"})
    assert (await receive(layer, "test-channel-1"))["type"] == "message.4"
    await assert_nothing_on(layer, "test-channel-1")
    assert len(layer.channels) == 0


async def test_a_receiver_skips_stale_messages_between_sweeps(clock):
    layer = InProcessChannelLayer(expiry=EXPIRY, sweep_interval=3600)
    await layer.send("test-channel-1", {"type": "message.1"})
    clock.advance(EXPIRED)
    await layer.send("test-channel-1", {"type": "message.2"})
    assert (await receive(layer, "test-channel-1"))["type"] == "message.2"


async def test_a_consumer_that_stopped_reading_leaves_its_groups(clock):
    layer = InProcessChannelLayer(expiry=EXPIRY)
    await layer.group_add("g", "gone")
    await layer.group_add("g", "alive")
    await layer.group_send("g", {"type": "message.1"})
    await receive(layer, "alive")
    clock.advance(EXPIRED)
    await layer.group_send("g", {"type": "message.2"})  # the sweep runs first
    assert set(layer.groups["g"]) == {"alive"}
    assert "gone" not in layer.channels
    assert (await receive(layer, "alive"))["type"] == "message.2"


async def test_group_membership_expires_when_the_group_is_sent_to(clock):
    layer = InProcessChannelLayer(group_expiry=EXPIRY, sweep_interval=3600)
    await layer.group_add("g", "old")
    clock.advance(EXPIRED)
    await layer.group_add("g", "new")
    await layer.group_send("g", {"type": "message.1"})
    assert (await receive(layer, "new"))["type"] == "message.1"
    await assert_nothing_on(layer, "old")
    assert set(layer.groups["g"]) == {"new"}
    assert "old" not in layer.channels


async def test_memberships_of_groups_nobody_sends_to_are_swept(clock):
    layer = InProcessChannelLayer(group_expiry=EXPIRY, sweep_interval=EXPIRY)
    await layer.group_add("quiet", "one")
    clock.advance(EXPIRED)
    await layer.group_add("busy", "two")  # any call may run the (rate-limited) sweep
    assert set(layer.groups) == {"busy"}
    assert set(layer.channels) == {"two"}


async def test_rejoining_renews_a_membership(clock):
    layer = InProcessChannelLayer(group_expiry=EXPIRY, sweep_interval=3600)
    await layer.group_add("g", "one")
    clock.advance(EXPIRY * 2 / 3)
    await layer.group_add("g", "one")
    clock.advance(EXPIRY * 2 / 3)
    await layer.group_send("g", {"type": "message.1"})
    assert (await receive(layer, "one"))["type"] == "message.1"


async def test_sweeps_are_rate_limited(monkeypatch):
    layer = InProcessChannelLayer(expiry=60)
    sweeps = []
    monkeypatch.setattr(layer, "_sweep", lambda now, here: sweeps.append(now))
    await layer.group_add("g", "one")
    for _ in range(500):
        await layer.group_send("g", {"type": "m"})
        await layer.receive("one")
        await layer.send("two", {"type": "m"})
        await layer.receive("two")
    assert sweeps == []


# --- Threads and event loops -------------------------------------------------------------------


def run_in_plain_thread(function):
    """Run ``function`` in a new thread that has no event loop and is not a sync_to_async one."""
    errors = []

    def target():
        try:
            function()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, errors


async def test_group_send_from_a_plain_thread_wakes_a_receiver_on_the_main_loop(layer):
    """realtime.send_now from a thread without a loop: async_to_sync runs on a new loop."""
    await layer.group_add("g", "listener")
    waiting = asyncio.create_task(layer.receive("listener"))
    await until_receiving(layer, "listener")  # the receiver now waits on this loop
    started = time.monotonic()

    thread, errors = run_in_plain_thread(
        lambda: async_to_sync(layer.group_send)("g", {"type": "from.thread"})
    )
    message = await asyncio.wait_for(waiting, 5)
    elapsed = time.monotonic() - started
    await asyncio.to_thread(thread.join)

    assert errors == []
    assert message == {"type": "from.thread"}
    # Woken at once, not whenever this loop happened to wake up for something else.
    assert elapsed < 1


async def test_send_from_a_plain_thread_reports_a_full_channel(layer):
    waiting = asyncio.create_task(layer.receive("listener"))
    await until_receiving(layer, "listener")
    waiting.cancel()  # bind the channel to this loop, then stop receiving
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await layer.group_add("g", "listener")

    def fill():
        for n in range(3):
            async_to_sync(layer.send)("listener", {"type": "m", "n": n})
        deadline = time.monotonic() + 5
        while layer.channels["listener"].queue.qsize() < 3 and time.monotonic() < deadline:
            time.sleep(0.001)  # the main loop puts the handed-over messages
        async_to_sync(layer.send)("listener", {"type": "m", "n": 3})

    thread, errors = run_in_plain_thread(fill)
    await asyncio.to_thread(thread.join)
    assert [type(error) for error in errors] == [ChannelFull]
    assert [(await receive(layer, "listener"))["n"] for _ in range(3)] == [0, 1, 2]


async def test_group_send_from_a_sync_to_async_thread_runs_on_the_main_loop(layer):
    """realtime.send_now after a commit in a view: async_to_sync goes back to this loop."""
    await layer.group_add("g", "listener")
    waiting = asyncio.create_task(layer.receive("listener"))
    await until_receiving(layer, "listener")
    await sync_to_async(lambda: async_to_sync(layer.group_send)("g", {"type": "after.commit"}))()
    assert (await asyncio.wait_for(waiting, 2))["type"] == "after.commit"


async def test_a_channel_left_behind_by_a_closed_loop_works_on_the_next_loop(layer):
    async def listen_briefly():
        await layer.group_add("g", "listener")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive("listener"), 0.01)

    thread, errors = run_in_plain_thread(lambda: asyncio.run(listen_briefly()))
    await asyncio.to_thread(thread.join)
    assert errors == []

    await layer.group_send("g", {"type": "message.1"})
    assert (await receive(layer, "listener"))["type"] == "message.1"
    waiting = asyncio.create_task(layer.receive("listener"))
    await until_receiving(layer, "listener")
    await layer.group_send("g", {"type": "message.2"})
    assert (await asyncio.wait_for(waiting, 2))["type"] == "message.2"


async def test_broadcasts_from_another_thread_survive_membership_churn_on_the_main_loop(layer):
    for n in range(200):
        await layer.group_add("g", f"member-{n}")
    listening = [f"member-{n}" for n in range(20)]
    received = dict.fromkeys(listening, 0)

    async def listen(channel):
        while True:
            await layer.receive(channel)
            received[channel] += 1

    listeners = [asyncio.create_task(listen(channel)) for channel in listening]
    stop = threading.Event()

    async def broadcast():
        while not stop.is_set():
            await layer.group_send("g", {"type": "m"})
            await asyncio.sleep(0)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    thread, errors = run_in_plain_thread(lambda: asyncio.run(broadcast()))
    try:
        deadline = time.monotonic() + 0.5
        round_ = 0
        while time.monotonic() < deadline:
            round_ += 1
            for n in range(20):
                await layer.group_add("g", f"churn-{n}-{round_}")
            await asyncio.sleep(0)
            for n in range(20):
                await layer.group_discard("g", f"churn-{n}-{round_}")
            await asyncio.sleep(0)
    finally:
        stop.set()
        await asyncio.to_thread(thread.join)
        sys.setswitchinterval(switch_interval)
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
    assert errors == []
    assert len(layer.groups["g"]) == 200
    assert all(count > 0 for count in received.values())


# --- Scale: work done per broadcast, and exactly-once delivery ---------------------------------


class CountingQueue(MessageQueue):
    """Records which queues are touched at all."""

    touched: set[int] = set()

    def put_nowait(self, item):
        CountingQueue.touched.add(id(self))
        return super().put_nowait(item)

    def get_nowait(self):
        CountingQueue.touched.add(id(self))
        return super().get_nowait()

    def full(self):
        CountingQueue.touched.add(id(self))
        return super().full()

    def empty(self):
        CountingQueue.touched.add(id(self))
        return super().empty()

    def head_expired(self, now):
        CountingQueue.touched.add(id(self))
        return super().head_expired(now)


async def test_group_send_touches_exactly_the_members_queues(monkeypatch):
    monkeypatch.setattr(InProcessChannelLayer, "queue_class", CountingQueue)
    monkeypatch.setattr(CountingQueue, "touched", set())
    layer = InProcessChannelLayer(capacity=100)
    # 5,000 bystanders with unread messages, 5,000 members, 10 members of another group.
    for n in range(5000):
        await layer.send(f"bystander-{n}", {"type": "m"})
        await layer.group_add("big", f"member-{n}")
    for n in range(10):
        await layer.group_add("small", f"small-{n}")
    members = {id(layer.channels[f"member-{n}"].queue) for n in range(5000)}
    small = {id(layer.channels[f"small-{n}"].queue) for n in range(10)}

    CountingQueue.touched.clear()
    await layer.group_send("small", {"type": "m"})
    assert CountingQueue.touched == small

    CountingQueue.touched.clear()
    await layer.group_send("big", {"type": "m"})
    assert CountingQueue.touched == members


async def test_broadcast_to_5000_waiting_receivers_delivers_each_message_exactly_once():
    layer = InProcessChannelLayer()
    channels = [await layer.new_channel() for _ in range(5000)]
    assert len(set(channels)) == 5000
    for channel in channels:
        await layer.group_add("discussion.1", channel)
    inboxes = {channel: [] for channel in channels}
    finished = set()
    all_finished = asyncio.Event()

    async def listen(channel):
        while True:
            n = (await layer.receive(channel))["n"]
            inboxes[channel].append(n)
            if n == 3:  # the last message: a duplicate of an earlier one would be in before it
                finished.add(channel)
                if len(finished) == len(channels):
                    all_finished.set()

    listeners = [asyncio.create_task(listen(channel)) for channel in channels]
    await asyncio.sleep(0)
    for n in range(4):
        await layer.group_send("discussion.1", {"type": "live.event", "n": n})
    try:
        await asyncio.wait_for(all_finished.wait(), 10)
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)

    assert all(inbox == [0, 1, 2, 3] for inbox in inboxes.values())
    assert all(channel.queue.empty() for channel in layer.channels.values())
    assert all(channel.receivers == 0 for channel in layer.channels.values())


# --- With Channels' consumers ------------------------------------------------------------------


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add("room", self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard("room", self.channel_name)

    async def room_message(self, message):
        await self.send(text_data=message["text"])


async def test_websocket_consumers_relay_group_messages(settings, monkeypatch):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": LAYER_PATH}}

    async def no_database():
        """This consumer uses no database, so Channels need not close old connections."""

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", no_database)
    monkeypatch.setattr(channels.generic.websocket, "aclose_old_connections", no_database)
    layer = get_channel_layer()
    assert isinstance(layer, InProcessChannelLayer)
    sockets = [WebsocketCommunicator(RoomConsumer.as_asgi(), "/ws/room/") for _ in range(3)]
    for socket in sockets:
        connected, _ = await socket.connect()
        assert connected
    assert len(layer.groups["room"]) == 3

    await layer.group_send("room", {"type": "room.message", "text": "hello"})
    for socket in sockets:
        assert await socket.receive_from(timeout=2) == "hello"

    for socket in sockets:
        await socket.disconnect()
    assert layer.groups == {} and layer.channels == {}

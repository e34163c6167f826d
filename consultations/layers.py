"""A process-local channel layer that is safe to send to from any thread.

Why not Channels' ``InMemoryChannelLayer`` (measured, docs/live-benchmarks.md, "Our layer
against the stock one"): since the hubs (``consultations/hubs.py``) hold one channel per group
and process, fan-out costs the same with either (34–64 µs per delivery at 1,000 and 5,000
viewers, no loss). The stock layer's O(N²) sweep only hurt with one channel per socket. What
remains is threads: the reaction tallies are sent from a ``threading.Timer``
(``realtime.broadcast_state_coalesced``), and the stock layer puts into an asyncio queue of the
server's loop from that thread without waking it (the message waited until the loop woke for
something else: 5 s on an idle loop, against 1–6 ms here) and changes its dicts from two
threads without a lock. ``InProcessChannelLayer`` does the same job for the embedded,
single-process setup (no Redis), with these costs instead:

- ``group_send`` touches the group's members and nothing else, and never waits: a member whose
  queue is full misses that message (as with the stock layer), the others are unaffected. The
  message is pickled once and each receiver unpickles its own copy, which is cheaper than a
  deep copy per member and still keeps receivers from sharing mutable state.
- Expiry is lazy and amortised. A receiver drops stale messages from the head of its own
  queue; memberships older than ``group_expiry`` are dropped when their group is sent to; and
  at most once every ``sweep_interval`` seconds one sweep forgets what nobody uses: channels
  holding a message nobody read within ``expiry`` (their consumer is gone, so they also leave
  their groups, as with the stock layer) and memberships of groups nobody sends to.
- A channel's state is forgotten as soon as it is in no group, holds no message and has no
  receiver waiting.

Threads: the layer lives in one process and is normally used from its one event loop, but
``async_to_sync(layer.group_send)`` called from a plain thread runs on a new, short-lived loop
in another thread. All bookkeeping happens under one lock, and a message for a queue whose
receivers wait on another, running loop is handed to that loop with ``call_soon_threadsafe``
(one hop per loop and broadcast, not per member), because waking an asyncio waiter from a
foreign thread is not safe.
"""

from __future__ import annotations

import asyncio
import pickle
import random
import string
import threading
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer

_TOKEN_CHARACTERS = string.ascii_letters + string.digits

# A queued item: (monotonic expiry time, message). The message is a dict owned by the one
# receiver, or pickled bytes shared by all members of a group send and unpickled on receipt.
Item = tuple[float, Any]
# Items for queues whose receivers wait on another thread's loop, by that loop.
Deferred = dict[asyncio.AbstractEventLoop, list[tuple["ChannelState", Item]]]


class MessageQueue(asyncio.Queue):
    """A channel's inbox of ``(expires_at, message)`` items, oldest first."""

    def head_expired(self, now: float) -> bool:
        return bool(self._queue) and self._queue[0][0] <= now

    def drop_expired(self, now: float) -> None:
        while self.head_expired(now):
            self.get_nowait()


class ChannelState:
    """One channel: its inbox, the loop its receivers wait on, and the groups it is in."""

    __slots__ = ("groups", "loop", "name", "queue", "receivers")

    def __init__(self, name: str, queue: MessageQueue):
        self.name = name
        self.queue = queue
        # The event loop receivers await ``queue`` on; None until the first receive().
        self.loop: asyncio.AbstractEventLoop | None = None
        # Group name -> when this channel joined it (time.monotonic()).
        self.groups: dict[str, float] = {}
        self.receivers = 0


class InProcessChannelLayer(BaseChannelLayer):
    """Channel layer for one process: the groups and flush extensions, O(members) broadcasts.

    Options as for Channels' ``InMemoryChannelLayer`` (``expiry``, ``group_expiry``,
    ``capacity``, ``channel_capacity``), plus ``sweep_interval``: the most often, in seconds,
    that unused channels and expired memberships are swept (default: ``expiry``).
    """

    extensions = ["groups", "flush"]
    queue_class = MessageQueue

    def __init__(
        self,
        expiry: float = 60,
        group_expiry: float = 86400,
        capacity: int = 100,
        channel_capacity: dict | None = None,
        sweep_interval: float | None = None,
    ):
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        self.group_expiry = group_expiry
        self.sweep_interval = expiry if sweep_interval is None else sweep_interval
        self.channels: dict[str, ChannelState] = {}
        # Group name -> channel name -> that channel's state (the same object as in channels).
        self.groups: dict[str, dict[str, ChannelState]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.monotonic() + self.sweep_interval

    # --- Channel layer API ----------------------------------------------------------------

    async def send(self, channel: str, message: dict) -> None:
        """Queue a message on a channel; ChannelFull if the channel is at capacity.

        From a thread other than the receiver's, capacity is checked at once and the message
        is queued by the receiver's loop moments later (and dropped if the channel filled up
        meanwhile).
        """
        _check_message(message)
        self.require_valid_channel_name(channel)
        here = asyncio.get_running_loop()
        item = (time.monotonic() + self.expiry, deepcopy(message))
        later: Deferred = {}
        with self._lock:
            self._maybe_sweep(here)
            accepted = self._offer(self._channel(channel), item, here, later)
        self._hand_over(later)
        if not accepted:
            raise ChannelFull(channel)

    async def receive(self, channel: str) -> dict:
        """The next unexpired message on the channel, waiting for one if there is none."""
        self.require_valid_channel_name(channel)
        here = asyncio.get_running_loop()
        with self._lock:
            self._maybe_sweep(here)
            state = self._channel(channel)
            self._bind(state, here)
            state.receivers += 1
        try:
            while True:
                expires_at, message = await state.queue.get()
                if expires_at > time.monotonic():
                    break
        finally:
            with self._lock:
                state.receivers -= 1
                self._forget_if_idle(state)
        return pickle.loads(message) if type(message) is bytes else message

    async def new_channel(self, prefix: str = "specific.") -> str:
        """A new, unique name for a channel received on in this process."""
        return "{}.inprocess!{}".format(prefix, "".join(random.choices(_TOKEN_CHARACTERS, k=16)))

    # --- Groups extension -----------------------------------------------------------------

    async def group_add(self, group: str, channel: str) -> None:
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        with self._lock:
            self._maybe_sweep(asyncio.get_running_loop())
            state = self._channel(channel)
            state.groups[group] = time.monotonic()
            self.groups.setdefault(group, {})[channel] = state

    async def group_discard(self, group: str, channel: str) -> None:
        self.require_valid_channel_name(channel)
        self.require_valid_group_name(group)
        with self._lock:
            state = self.channels.get(channel)
            if state is not None:
                self._leave(group, state)
                self._forget_if_idle(state)

    async def group_send(self, group: str, message: dict) -> None:
        """Queue a message on every member of the group; full members are skipped.

        Costs O(members): no other channel or group is looked at (apart from the sweep, at
        most once per ``sweep_interval``).
        """
        _check_message(message)
        self.require_valid_group_name(group)
        here = asyncio.get_running_loop()
        expires_at = time.monotonic() + self.expiry
        try:
            shared: Item | None = (expires_at, pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        except Exception:  # not picklable: fall back to a deep copy per member, as stock does
            shared = None
        later: Deferred = {}
        with self._lock:
            self._maybe_sweep(here)
            members = self.groups.get(group)
            if not members:
                return
            joined_cutoff = time.monotonic() - self.group_expiry
            expired = []
            for state in members.values():
                if state.groups[group] <= joined_cutoff:
                    expired.append(state)
                    continue
                item = shared or (expires_at, deepcopy(message))
                self._offer(state, item, here, later)
            for state in expired:
                self._leave(group, state)
                self._forget_if_idle(state)
        self._hand_over(later)

    # --- Flush extension ------------------------------------------------------------------

    async def flush(self) -> None:
        """Drop every message and group; receivers already waiting keep waiting."""
        with self._lock:
            self.groups = {}
            waiting = {}
            for name, state in self.channels.items():
                state.groups.clear()
                if state.receivers > 0:
                    while not state.queue.empty():
                        state.queue.get_nowait()
                    waiting[name] = state
            self.channels = waiting

    async def close(self) -> None:
        """Nothing to release: the layer holds no connections."""

    # --- Internals (call with self._lock held) ---------------------------------------------

    def _channel(self, name: str) -> ChannelState:
        state = self.channels.get(name)
        if state is None:
            queue = self.queue_class(maxsize=self.get_capacity(name))
            state = self.channels[name] = ChannelState(name, queue)
        return state

    def _offer(
        self,
        state: ChannelState,
        item: Item,
        here: asyncio.AbstractEventLoop,
        later: Deferred,
    ) -> bool:
        """Queue ``item`` now, or note it in ``later`` for the queue's own loop; False if full."""
        owner = state.loop
        if owner is here or owner is None:
            pass
        elif owner.is_running():
            # Its receivers wait on a loop in another thread: only that loop may wake them.
            if state.queue.full():
                return False
            later.setdefault(owner, []).append((state, item))
            return True
        elif owner.is_closed():
            self._bind(state, None)
        try:
            state.queue.put_nowait(item)
        except asyncio.QueueFull:
            return False
        return True

    def _hand_over(self, later: Deferred) -> None:
        """Have each loop in ``later`` queue its items (call without the lock held)."""
        for owner, deliveries in later.items():
            try:
                owner.call_soon_threadsafe(self._deliver, deliveries)
            except RuntimeError:  # that loop closed meanwhile; nobody can be waiting on it
                self._deliver(deliveries)

    def _deliver(self, deliveries: list[tuple[ChannelState, Item]]) -> None:
        here = asyncio.get_running_loop()
        later: Deferred = {}
        with self._lock:
            for state, item in deliveries:
                self._offer(state, item, here, later)
        self._hand_over(later)

    def _bind(self, state: ChannelState, loop: asyncio.AbstractEventLoop | None) -> None:
        """Make ``loop`` the one the channel's receivers wait on.

        An asyncio queue belongs to the loop it was first awaited on, so moving a channel to
        another loop (a test's new loop, or a loop that closed) means moving its messages to
        a fresh queue.
        """
        owner = state.loop
        if owner is loop:
            return
        if owner is not None:
            if state.receivers > 0 and not owner.is_closed():
                raise RuntimeError(
                    f"Channel {state.name!r} is already being received on another event loop"
                )
            fresh = self.queue_class(maxsize=state.queue.maxsize)
            while not state.queue.empty():
                fresh.put_nowait(state.queue.get_nowait())
            state.queue = fresh
        state.loop = loop

    def _leave(self, group: str, state: ChannelState) -> None:
        state.groups.pop(group, None)
        members = self.groups.get(group)
        if members is not None and members.get(state.name) is state:
            del members[state.name]
            if not members:
                del self.groups[group]

    def _forget_if_idle(self, state: ChannelState) -> None:
        if (
            not state.groups
            and state.receivers <= 0
            and state.queue.empty()
            and self.channels.get(state.name) is state
        ):
            del self.channels[state.name]

    def _maybe_sweep(self, here: asyncio.AbstractEventLoop) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_interval
            self._sweep(now, here)

    def _sweep(self, now: float, here: asyncio.AbstractEventLoop) -> None:
        """Forget unused channels and expired memberships: O(channels + memberships).

        Runs at most once per ``sweep_interval``, so its cost is spread over all the calls
        in between. A channel whose oldest message expired unread has no live consumer (a
        live one is always waiting in receive()), so it leaves all its groups.
        """
        joined_cutoff = now - self.group_expiry
        for state in list(self.channels.values()):
            owner = state.loop
            if owner is not None and owner is not here and owner.is_running():
                continue  # only its own loop may touch its queue
            if state.receivers <= 0 and state.queue.head_expired(now):
                state.queue.drop_expired(now)
                for group in list(state.groups):
                    self._leave(group, state)
            else:
                for group, joined in list(state.groups.items()):
                    if joined <= joined_cutoff:
                        self._leave(group, state)
            self._forget_if_idle(state)


def _check_message(message: Any) -> None:
    if not isinstance(message, dict):
        raise TypeError("message is not a dict")

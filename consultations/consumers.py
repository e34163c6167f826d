"""Push-only WebSocket consumers: browsers listen, they never write over the socket.

Every consumer authorises in ``connect()`` (by named permission) before accepting, and sends a
reconnecting client what it missed since the event id it last saw (``?last_event_id=N``).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import rules
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser

from consultations import hubs, live_tokens, realtime
from participation import redis_guard

logger = logging.getLogger(__name__)

# Close codes sent to the browser (4000–4999 are for applications).
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class LiveConsumer(AsyncWebsocketConsumer):
    """Base: if allowed, listen to the target's group, catch up, then relay its live events.

    The consumer has no channel of its own: the process's ``GroupHub`` for the group (see
    ``consultations/hubs.py``) holds the one subscription and writes each event to every
    viewer's socket. Events that arrive while a reconnecting viewer is being sent what it
    missed wait in ``live_backlog`` and follow in order, without duplicates.
    """

    permission: str = ""
    # Deliberately not a configured layer: Channels then gives the consumer no channel (and no
    # per-socket subscription); the hubs use the default layer.
    channel_layer_alias = "live-events-go-through-hubs"

    live_backlog: list[tuple[int | None, dict]] | None = None
    caught_up: frozenset[int] = frozenset()
    # The groups whose missed events a reconnecting client is sent (``catch_up``).
    catch_up_groups: list[str] = []
    hubs: list = []

    async def get_target(self):
        """The object the permission is checked against, or None if it does not exist."""
        raise NotImplementedError

    def group_for(self, target) -> str:
        raise NotImplementedError

    def route_ids_in_range(self) -> bool:
        """Ids in the URL fit a database integer (a longer one cannot exist, and would make
        the lookup fail instead of answering "not found")."""
        kwargs = self.scope.get("url_route", {}).get("kwargs", {})
        return all(0 < value < 2**63 for value in kwargs.values() if isinstance(value, int))

    async def connect(self):
        target = await self.get_target() if self.route_ids_in_range() else None
        if target is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        user = self.scope.get("user")
        if not await database_sync_to_async(rules.has_perm)(self.permission, user, target):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = self.group_for(target)
        self.catch_up_groups = [self.group]
        await self.listen([self.group])

    async def listen(self, groups: list[str]) -> None:
        """Subscribe (through the hubs) before accepting and catching up, so nothing published
        in between is lost; hold live events back until the catch-up has been sent."""
        layer = get_channel_layer()
        self.hubs = []
        self.live_backlog = []
        if layer is not None:
            try:
                for group in groups:
                    hub = hubs.hub_for(layer, group)
                    hub.add(self)
                    self.hubs.append(hub)
                    await hub.subscribed()
            except Exception as error:
                # A Redis outage is logged once per interval by the guard, not per socket.
                if not isinstance(error, redis_guard.REDIS_ERRORS):
                    logger.warning("Live updates unavailable for %s", groups, exc_info=True)
                self.leave_hubs()
                await self.close(code=hubs.CLOSE_SERVICE_RESTART)
                return
        await self.accept()
        self.caught_up = frozenset(await self.catch_up())
        backlog = self.live_backlog
        while backlog:
            event_id, message = backlog.pop(0)
            if event_id not in self.caught_up:
                await self.base_send(message)
        self.live_backlog = None

    async def catch_up(self) -> set[int]:
        """Send what the client missed since ``?last_event_id=N``; returns the ids sent.

        Only when it is behind: if every hub it joined has read its stream's position since
        subscribing and the client is at or above it, nothing can be missing (see
        ``GroupHub.is_caught_up``), so thousands of viewers of one page reconnecting after a
        restart cost one query per group and process, not two each."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = query.get("last_event_id", [""])[0]
        groups = self.catch_up_groups
        if not raw or not groups:
            return set()
        if not raw.isdigit() or len(raw) > 18:
            await self.send_json({"type": "error", "message": "invalid last_event_id"})
            return set()
        last = int(raw)
        hubs_heard = [hub for hub in self.hubs if hub.group in groups]
        if len(hubs_heard) == len(groups):
            try:
                behind = False
                for hub in hubs_heard:
                    if not await hub.is_caught_up(last, _read_position):
                        behind = True
                        break
                if not behind:
                    return set()
            except Exception:
                logger.debug("Stream position unknown; catching up", exc_info=True)
        missed = await database_sync_to_async(realtime.events_since)(groups, last)
        if missed is None:
            # "Reload", with the position a reloaded page would carry: a page that cannot be
            # refreshed (a cached copy) keeps listening from there instead of reloading again.
            position = await database_sync_to_async(realtime.current_event_id)(groups)
            await self.send_json({"type": "reload", "position": position})
            return set()
        for event in missed:
            await self.send_json(event)
        return {event["id"] for event in missed}

    def leave_hubs(self) -> None:
        for hub in getattr(self, "hubs", ()):
            hub.remove(self)
        self.hubs = []

    async def disconnect(self, code):
        self.leave_hubs()

    async def close_for_restart(self) -> None:
        self.leave_hubs()
        await self.close(code=hubs.CLOSE_SERVICE_RESTART)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is answered with an error and ignored."""
        await self.send_json({"type": "error", "message": "this socket is read-only"})

    async def send_json(self, content):
        await self.send(text_data=hubs.encode(content))


async def _read_position(group: str) -> int:
    return await database_sync_to_async(realtime.current_event_id)(group)


class PageConsumer(LiveConsumer):
    """One socket per page: everything the page shows live (a consultation and the
    discussions on it, or one discussion), named by the signed token the page was rendered
    with (``consultations/live_tokens.py``). A fresh token of a public consultation connects
    without loading the session or asking the rules; any other is checked against the rules
    with the socket's session, as the page itself was."""

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        subscription = live_tokens.read(query.get("token", [""])[0])
        if subscription is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        trusted = (
            subscription.public
            and subscription.fresh
            and await live_tokens.still_public(subscription.consultation_id)
        )
        if not trusted:
            user = await self.viewer()
            if not await database_sync_to_async(live_tokens.may_listen)(user, subscription):
                await self.close(code=CLOSE_FORBIDDEN)
                return
        self.catch_up_groups = list(subscription.groups)
        await self.listen(list(subscription.groups))

    async def viewer(self):
        """The person on the other end, from the session only when it is needed (the routing
        in ``participation/asgi.py`` does not load it for this consumer)."""
        if "user" in self.scope:
            return self.scope["user"]
        if "session" not in self.scope:
            return AnonymousUser()
        from channels.auth import get_user

        return await get_user(self.scope)


class ConsultationConsumer(LiveConsumer):
    """Live changes of one consultation page (phase changes, results published)."""

    permission = "consultations.view_consultation"

    async def get_target(self):
        from consultations.models import Consultation

        pk = self.scope["url_route"]["kwargs"]["consultation_id"]
        return await Consultation.objects.filter(pk=pk).prefetch_related("phases").afirst()

    def group_for(self, target) -> str:
        return realtime.consultation_group(target.pk)


class DiscussionConsumer(LiveConsumer):
    """New comments, edits, reactions, removals and pins of one discussion, for its viewers."""

    permission = "consultations.view_consultation"

    async def get_target(self):
        from consultations.models import Discussion

        pk = self.scope["url_route"]["kwargs"]["discussion_id"]
        return (
            await Discussion.objects.filter(pk=pk)
            .select_related("consultation")
            .prefetch_related("consultation__phases")
            .afirst()
        )

    def group_for(self, target) -> str:
        return realtime.discussion_group(target.pk)


class ModerationQueueConsumer(LiveConsumer):
    """Tells a moderator's queue page that items arrived or were dealt with, for every
    consultation they moderate (or one, with ``?consultation=N``)."""

    async def connect(self):
        user = self.scope.get("user")
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        only = query.get("consultation", [""])[0]
        if only and not only.isdigit():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        consultation_ids = await database_sync_to_async(moderated_consultation_ids)(user)
        if only:
            consultation_ids = [pk for pk in consultation_ids if pk == int(only)]
        if not consultation_ids:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.listen([realtime.moderation_group(pk) for pk in consultation_ids])


class NoticesConsumer(LiveConsumer):
    """A signed-in person's own notices: their unread count, sent on connecting and whenever a
    notice arrives or is read. Nobody listens to another person's notices: the group is the
    connecting user's own, never one named in the URL."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        self.group = realtime.notices_group(user.pk)
        await self.listen([self.group])

    async def catch_up(self) -> set[int]:
        """The current count instead of missed events: it is a state, and nothing is kept."""
        from consultations.notices import unread_count

        unread = await database_sync_to_async(unread_count)(self.user_id)
        await self.send_json(
            {
                "id": None,
                "type": realtime.EventType.NOTICES_CHANGED,
                "payload": {"unread": unread},
            }
        )
        return set()


class SurveyResultsConsumer(LiveConsumer):
    """A survey's result counts for everyone who may see its results (public during the
    survey, after it, or staff only): the current counts on connecting, then the coalesced
    pushes after each response. Counts only: no text, no people."""

    permission = "consultations.view_survey_results"

    async def get_target(self):
        from consultations.models import Survey

        pk = self.scope["url_route"]["kwargs"]["survey_id"]
        return (
            await Survey.objects.filter(pk=pk)
            .select_related("consultation")
            .prefetch_related("consultation__phases", "open_in_phases")
            .afirst()
        )

    def group_for(self, target) -> str:
        self.survey_id = target.pk
        return realtime.survey_results_group(target.pk)

    async def catch_up(self) -> set[int]:
        """The current counts instead of missed events (a state; nothing is kept)."""
        from consultations.models import Survey
        from consultations.results import public_results_payload

        def payload():
            return public_results_payload(Survey.objects.get(pk=self.survey_id))

        await self.send_json(
            {
                "id": None,
                "type": realtime.EventType.SURVEY_RESULTS_CHANGED,
                "payload": await database_sync_to_async(payload)(),
            }
        )
        return set()


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other path under /ws/: refused with "not found" (instead of a routing error)."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)


def moderated_consultation_ids(user) -> list[int]:
    from consultations.selectors import moderated_consultations

    return list(moderated_consultations(user).values_list("pk", flat=True))

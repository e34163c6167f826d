"""Push-only WebSocket consumers: browsers listen, they never write over the socket.

Every consumer authorises in ``connect()`` (by named permission) before accepting, and sends a
reconnecting client what it missed since the event id it last saw (``?last_event_id=N``).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import rules
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from consultations import realtime

# Close codes sent to the browser (4000–4999 are for applications).
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class LiveConsumer(AsyncWebsocketConsumer):
    """Base: join one group if allowed, catch up, then relay ``live.event`` messages."""

    permission: str = ""

    async def get_target(self):
        """The object the permission is checked against, or None if it does not exist."""
        raise NotImplementedError

    def group_for(self, target) -> str:
        raise NotImplementedError

    async def connect(self):
        target = await self.get_target()
        if target is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        user = self.scope.get("user")
        if not await database_sync_to_async(rules.has_perm)(self.permission, user, target):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = self.group_for(target)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.catch_up()

    async def catch_up(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = query.get("last_event_id", [""])[0]
        if not raw:
            return
        if not raw.isdigit() or len(raw) > 18:
            await self.send_json({"type": "error", "message": "invalid last_event_id"})
            return
        missed = await database_sync_to_async(realtime.events_since)(self.group, int(raw))
        if missed is None:
            await self.send_json({"type": "reload"})
            return
        for event in missed:
            await self.send_json(event)

    async def disconnect(self, code):
        group = getattr(self, "group", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Clients only listen; anything they send is answered with an error and ignored."""
        await self.send_json({"type": "error", "message": "this socket is read-only"})

    async def dispatch(self, message):
        """Relay live events straight away: they touch no database, so they skip Channels'
        per-message ``aclose_old_connections()`` thread hop (about twice the throughput)."""
        if message.get("type") == "live.event":
            await self.live_event(message)
            return
        await super().dispatch(message)

    async def live_event(self, message):
        await self.send_json(message["event"])

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content, separators=(",", ":")))


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
        self.groups_joined = [realtime.moderation_group(pk) for pk in consultation_ids]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)


def moderated_consultation_ids(user) -> list[int]:
    from consultations.selectors import moderated_consultations

    return list(moderated_consultations(user).values_list("pk", flat=True))

"""Live updates: group names, event types and the one way to broadcast (after commit).

An event is recorded as a LiveEvent row in the same transaction as the change it announces
(so reconnecting clients can catch up exactly), then sent to the channel layer once the
transaction commits. If the channel layer is down the write still succeeds: the database is
the truth, live delivery is best-effort.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from consultations.models import LiveEvent
from participation import redis_guard

logger = logging.getLogger(__name__)

GROUP_NAME_RE = re.compile(r"^[a-z][a-z0-9.\-]{0,98}$")

# How many missed events a reconnecting client is sent before it is told to reload instead.
CATCH_UP_LIMIT = 200
# Events older than this are pruned; a client away for longer reloads.
EVENT_RETENTION = timedelta(hours=24)


class EventType:
    """Event types, ``area.what_happened``; consumers handle them as ``area_what_happened``."""

    CONSULTATION_UPDATED = "consultation.updated"
    RESULTS_PUBLISHED = "consultation.results_published"
    COMMENT_POSTED = "discussion.comment_posted"
    COMMENT_CHANGED = "discussion.comment_changed"
    REACTIONS_CHANGED = "discussion.reactions_changed"
    QUEUE_CHANGED = "moderation.queue_changed"


def consultation_group(consultation_id: int) -> str:
    return f"consultation.{int(consultation_id)}"


def discussion_group(discussion_id: int) -> str:
    return f"discussion.{int(discussion_id)}"


def moderation_group(consultation_id: int) -> str:
    """Moderators of one consultation; a queue page joins one group per consultation it shows."""
    return f"moderation.{int(consultation_id)}"


def comment_subject(comment_id: int) -> str:
    return f"comment.{int(comment_id)}"


def validate_group(group: str) -> str:
    if not GROUP_NAME_RE.match(group):
        raise ValueError(f"Invalid group name {group!r}")
    return group


def broadcast_on_commit(
    group: str, event_type: str, payload: dict, *, subject: str = ""
) -> LiveEvent:
    """Record the event now; send it to ``group`` after the surrounding transaction commits.

    Call inside the action's ``transaction.atomic()`` block. Returns the recorded event.

    ``subject`` names what the payload is the whole public state of (``comment_subject``). The
    history then keeps only that newest state: earlier events of the subject get this payload
    too, so a reconnecting client is never replayed a wording that was since edited, or a text
    its author deleted or a moderator removed.
    """
    validate_group(group)
    if subject:
        LiveEvent.objects.filter(group=group, subject=subject).update(payload=payload)
    event = LiveEvent.objects.create(group=group, type=event_type, payload=payload, subject=subject)
    message = {"type": "live.event", "event": event.as_message()}
    transaction.on_commit(lambda: send_now(group, message))
    return event


_coalescing: set[str] = set()
_coalescing_lock = threading.Lock()


def broadcast_state_coalesced(
    group: str, event_type: str, key: str, build_payload: Callable[[], dict]
) -> None:
    """Broadcast the latest state of something that changes often (reaction tallies), at most
    once per ``settings.LIVE_COALESCE_SECONDS`` per key and process.

    Unlike ``broadcast_on_commit`` nothing is recorded for catch-up: the event carries a state,
    not a change, so the newest one is all a client needs (its id is null). The payload is
    built when the event is sent, from the committed data.
    """
    validate_group(group)
    delay = settings.LIVE_COALESCE_SECONDS

    def fire():
        with _coalescing_lock:
            _coalescing.discard(key)
        try:
            payload = build_payload()
        except Exception:
            logger.warning("Building the live state for %s failed", key, exc_info=True)
            return
        finally:
            if delay > 0:
                close_old_connections()
        send_now(
            group,
            {"type": "live.event", "event": {"id": None, "type": event_type, "payload": payload}},
        )

    def schedule():
        if delay <= 0:
            fire()
            return
        with _coalescing_lock:
            if key in _coalescing:
                return
            _coalescing.add(key)
        timer = threading.Timer(delay, fire)
        timer.daemon = True
        timer.start()

    transaction.on_commit(schedule)


def send_now(group: str, message: dict) -> None:
    """Send to the channel layer, swallowing (and logging) any failure of the layer.

    While the layer's Redis is away (``participation.redis_guard``) nothing is sent and nothing
    waits for it: clients catch up from the database when they reconnect.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    guard = redis_guard.guard_for_layer(layer)
    if guard is not None and not guard.available():
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:  # the layer being down must never fail a write
        if guard is not None and isinstance(error, redis_guard.REDIS_ERRORS):
            guard.failed(error)  # logged there, once per outage
        else:
            logger.warning(
                "Live broadcast to %s failed; clients will catch up", group, exc_info=True
            )


def events_since(group: str, last_event_id: int, limit: int = CATCH_UP_LIMIT) -> list[dict] | None:
    """What a client that saw ``last_event_id`` missed, oldest first; None means "reload".

    Event ids are global, so a page embeds the newest id of all (``current_event_id``) and a
    client is behind only by events with larger ids. If events after its id were pruned, it
    cannot catch up and must reload.
    """
    oldest = LiveEvent.objects.order_by("id").values_list("id", flat=True).first()
    if last_event_id > 0 and (oldest is None or last_event_id < oldest - 1):
        return None
    events = list(
        LiveEvent.objects.filter(group=group, id__gt=last_event_id).order_by("id")[: limit + 1]
    )
    if len(events) > limit:
        return None
    return [event.as_message() for event in events]


def current_event_id() -> int:
    """The newest event id of all groups: a page rendered now is up to date with it."""
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def prune_events(now=None) -> int:
    cutoff = (now or timezone.now()) - EVENT_RETENTION
    deleted, _ = LiveEvent.objects.filter(created__lt=cutoff).delete()
    return deleted

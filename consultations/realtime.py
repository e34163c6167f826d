"""Live updates: group names, event types and the one way to broadcast (after commit).

An event is recorded as a LiveEvent row in the same transaction as the change it announces
(so reconnecting clients can catch up exactly), then sent to the channel layer once the
transaction commits. If the channel layer is down the write still succeeds: the database is
the truth, live delivery is best-effort.

Each group is a stream with a position of its own. PostgreSQL takes ids from a sequence at
INSERT, and transactions commit in another order; so the writer of an event first locks the row
that orders its stream (``LiveStream``; one per consultation, shared by its discussions and
moderators): within one stream ids are then assigned in commit order, and "the stream's events
with an id above N" is exactly what a client at N has not seen. A page embeds
the position of the stream its socket listens to (``current_event_id(group)``), never the
newest id of all: an event of another stream may commit later with a smaller id.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from consultations.models import Discussion, LiveEvent, LiveStream
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
    NOTICES_CHANGED = "notices.unread_changed"
    SURVEY_RESULTS_CHANGED = "survey.results_changed"
    SURVEY_RESULTS_WITHDRAWN = "survey.results_withdrawn"


def consultation_group(consultation_id: int) -> str:
    return f"consultation.{int(consultation_id)}"


def discussion_group(discussion_id: int) -> str:
    return f"discussion.{int(discussion_id)}"


def moderation_group(consultation_id: int) -> str:
    """Moderators of one consultation; a queue page joins one group per consultation it shows."""
    return f"moderation.{int(consultation_id)}"


def notices_group(user_id: int) -> str:
    """One person's own notices (their unread count); only they may listen."""
    return f"notices.{int(user_id)}"


def survey_results_group(survey_id: int) -> str:
    """Everyone watching a survey's public results (counts only, never personal data)."""
    return f"survey.{int(survey_id)}.results"


def comment_subject(comment_id: int) -> str:
    return f"comment.{int(comment_id)}"


def _discussion_consultation(discussion_id: int) -> int | None:
    return (
        Discussion.objects.filter(pk=discussion_id)
        .values_list("consultation_id", flat=True)
        .first()
    )


# Which consultation a stream belongs to, by the group's first part: its events change only
# that consultation's pages (see cms/signals.py). A module adds a line for its groups; a group
# without one counts as belonging to every consultation.
STREAM_CONSULTATION: dict[str, Callable[[int], int | None]] = {
    "consultation": lambda consultation_id: consultation_id,
    "moderation": lambda consultation_id: consultation_id,
    "discussion": _discussion_consultation,
}


def consultation_of(group: str) -> int | None:
    """The id of the consultation whose pages show ``group``'s events, or None if unknown."""
    kind, _, raw_id = group.partition(".")
    resolve = STREAM_CONSULTATION.get(kind)
    if resolve is None or not raw_id.isdigit():
        return None
    return resolve(int(raw_id))


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
    lock_stream(group)
    if subject:
        LiveEvent.objects.filter(group=group, subject=subject).update(payload=payload)
    event = LiveEvent.objects.create(group=group, type=event_type, payload=payload, subject=subject)
    message = {"type": "live.event", "event": event.as_message()}
    transaction.on_commit(lambda: send_now(group, message))
    return event


def ordering_row(group: str) -> str:
    """The stream row whose lock orders ``group``'s events: every group of one consultation
    shares the consultation's row, so an action that announces to several of them (to the
    discussion and to its moderators, in either order) takes one lock and cannot deadlock
    with another action of the same consultation. A group of no known consultation has its
    own row."""
    consultation_id = consultation_of(group)
    return group if consultation_id is None else consultation_group(consultation_id)


def lock_stream(group: str) -> None:
    """Hold the lock that orders ``group``'s events until the surrounding transaction ends.

    A second writer of the same consultation waits here until the first has committed or
    rolled back, and only then takes its ids from the sequence: ids within a stream follow the
    commit order. Writers of different consultations do not wait for each other. (SQLite lets
    one writing transaction in at a time, which orders every stream anyway.)
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "Live events are recorded inside the action's transaction.atomic() block."
        )
    LiveStream.objects.select_for_update().get_or_create(group=ordering_row(group))


_coalescing: set[str] = set()
_coalescing_lock = threading.Lock()


def broadcast_state_coalesced(
    group: str,
    event_type: str,
    key: str,
    build_payload: Callable[[], dict],
    *,
    delay: float | None = None,
) -> None:
    """Broadcast the latest state of something that changes often (reaction tallies), at most
    once per ``delay`` (default ``settings.LIVE_COALESCE_SECONDS``) per key and process.

    Unlike ``broadcast_on_commit`` nothing is recorded for catch-up: the event carries a state,
    not a change, so the newest one is all a client needs (its id is null). The payload is
    built when the event is sent, from the committed data.
    """
    validate_group(group)
    delay = settings.LIVE_COALESCE_SECONDS if delay is None else delay

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


def send_state_on_commit(group: str, event_type: str, build_payload: Callable[[], dict]) -> None:
    """After the surrounding transaction commits, send the current state of something to
    ``group`` (a person's unread count), built then from the committed data.

    Nothing is recorded: a state needs no catch-up (a socket is sent the current state when it
    connects), and no ``LiveEvent`` means no cached page is touched. Id null, like the
    coalesced tallies.
    """
    validate_group(group)

    def fire():
        try:
            payload = build_payload()
        except Exception:
            logger.warning("Building the live state for %s failed", group, exc_info=True)
            return
        send_now(
            group,
            {"type": "live.event", "event": {"id": None, "type": event_type, "payload": payload}},
        )

    transaction.on_commit(fire, robust=True)


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


def events_since(
    group: str | Iterable[str], last_event_id: int, limit: int = CATCH_UP_LIMIT
) -> list[dict] | None:
    """What a client at position ``last_event_id`` of ``group`` (or of several groups of one
    consultation, which share one ordering) missed, oldest first; None means "reload".

    The position comes from ``current_event_id`` when the page was rendered, or is the last id
    the client was sent. If events of a stream after it were pruned, the client cannot catch
    up and must reload.
    """
    groups = [group] if isinstance(group, str) else list(group)
    pruned_through = (
        LiveStream.objects.filter(group__in=groups).aggregate(upto=Max("pruned_through"))["upto"]
        or 0
    )
    if last_event_id < pruned_through:
        return None
    events = list(
        LiveEvent.objects.filter(group__in=groups, id__gt=last_event_id).order_by("id")[: limit + 1]
    )
    if len(events) > limit:
        return None
    return [event.as_message() for event in events]


def current_event_id(group: str | Iterable[str]) -> int:
    """The position of ``group``'s stream (or of several groups of one consultation, whose
    ids follow one commit order): a page rendered now has seen every committed event of it up
    to this id (and a later commit in the stream gets a larger one)."""
    groups = [group] if isinstance(group, str) else list(group)
    newest = LiveEvent.objects.filter(group__in=groups).aggregate(newest=Max("id"))["newest"] or 0
    pruned_through = (
        LiveStream.objects.filter(group__in=groups).aggregate(upto=Max("pruned_through"))["upto"]
        or 0
    )
    return max(newest, pruned_through)


def prune_events(now=None) -> int:
    """Delete events older than ``EVENT_RETENTION``; each stream remembers how far it was
    pruned, so a client that was further behind is told to reload."""
    cutoff = (now or timezone.now()) - EVENT_RETENTION
    old = LiveEvent.objects.filter(created__lt=cutoff)
    deleted = 0
    for row in old.order_by().values("group").annotate(newest=Max("id")):
        with transaction.atomic():
            # Locked like a writer does: no event of the stream is being recorded meanwhile.
            lock_stream(row["group"])
            LiveStream.objects.get_or_create(group=row["group"])
            LiveStream.objects.filter(group=row["group"]).update(
                pruned_through=Greatest(F("pruned_through"), Value(row["newest"]))
            )
            count, _ = old.filter(group=row["group"], id__lte=row["newest"]).delete()
            deleted += count
    return deleted

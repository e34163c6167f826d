"""Signed subscription tokens: a page names the live streams it shows, and its one socket
proves what it may hear with the token, instead of loading a session and asking the rules.

A token is issued when the page is rendered (``subscription_for``) and carries the
consultation, the groups of the page and whether an anonymous visitor may see all of them
("public"). It is signed with ``SECRET_KEY`` (its own salt), so it cannot be changed or made
for another consultation, and it is the same for every anonymous reader, so pages that carry
it can be cached. A fresh public token (younger than ``settings.LIVE_TOKEN_SECONDS``, which is
at least ``PAGE_CACHE_SECONDS``: cached pages carry tokens that old) is checked without the
database, except that whether its consultation is still public is remembered per process for
``PUBLIC_CHECK_SECONDS`` (one query per consultation and interval, however many sockets).
Every other token (a private consultation, a module only members see, an expired token) takes
the rules with the socket's own session on each connect: leaving a private consultation
revokes its live updates at once, whatever tokens the person still holds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing

from consultations import realtime

SALT = "mitreden.live-subscription"
PUBLIC_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class Subscription:
    """What a valid token says."""

    consultation_id: int
    groups: tuple[str, ...]
    public: bool
    fresh: bool


def lifetime() -> int:
    """Seconds a token is taken on trust: never shorter than a cached page lives."""
    return max(int(settings.LIVE_TOKEN_SECONDS), int(settings.PAGE_CACHE_SECONDS), 1)


def issue(*, consultation_id: int, groups: list[str], public: bool) -> str:
    for group in groups:
        realtime.validate_group(group)
    payload = {"c": int(consultation_id), "g": list(groups), "p": 1 if public else 0}
    return signing.dumps(payload, salt=SALT)


def read(token: str) -> Subscription | None:
    """The subscription a token names, or None if it is not one of ours (tampered, made for
    something else, malformed). An expired token still names its subscription, as not
    fresh: its holder is asked again, the slow way."""
    if not token or len(token) > 2000:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=lifetime())
        fresh = True
    except signing.SignatureExpired:
        try:
            data = signing.loads(token, salt=SALT)
        except signing.BadSignature:
            return None
        fresh = False
    except (signing.BadSignature, ValueError):
        return None
    try:
        consultation_id = int(data["c"])
        groups = tuple(realtime.validate_group(str(group)) for group in data["g"])
        public = bool(data["p"])
    except (KeyError, TypeError, ValueError):
        return None
    if not groups or len(groups) > 20:
        return None
    return Subscription(consultation_id, groups, public, fresh)


def subscription_for(consultation, targets: list) -> dict:
    """Context for a page listening to ``targets`` (the consultation and the discussions it
    shows): the socket's address, the token and the stream position the page was rendered
    at."""
    groups = [_group_of(target) for target in targets]
    import rules

    public = all(
        rules.has_perm("consultations.view_consultation", AnonymousUser(), target)
        for target in targets
    )
    return {
        "live_socket": "/ws/live/",
        "live_token": issue(consultation_id=consultation.pk, groups=groups, public=public),
        "current_event_id": realtime.current_event_id(groups),
    }


def _group_of(target) -> str:
    from consultations.models import Consultation, Discussion

    if isinstance(target, Consultation):
        return realtime.consultation_group(target.pk)
    if isinstance(target, Discussion):
        return realtime.discussion_group(target.pk)
    raise TypeError(f"No live stream for {target!r}")


def targets_of(subscription: Subscription) -> list | None:
    """The objects behind a token's groups, for the slow check; None if one is gone or does
    not belong to the token's consultation."""
    from consultations.models import Consultation, Discussion

    consultation = (
        Consultation.objects.filter(pk=subscription.consultation_id)
        .prefetch_related("phases")
        .first()
    )
    if consultation is None:
        return None
    targets = []
    for group in subscription.groups:
        kind, _, raw = group.partition(".")
        if kind == "consultation" and raw == str(consultation.pk):
            targets.append(consultation)
        elif kind == "discussion" and raw.isdigit():
            discussion = Discussion.objects.filter(pk=int(raw), consultation=consultation).first()
            if discussion is None:
                return None
            discussion.consultation = consultation
            targets.append(discussion)
        else:
            return None
    return targets


def may_listen(user, subscription: Subscription) -> bool:
    """The slow check: may this person see everything the token names (by the rules)?"""
    import rules

    targets = targets_of(subscription)
    return targets is not None and all(
        rules.has_perm("consultations.view_consultation", user, target) for target in targets
    )


_public: dict[int, tuple[bool, float]] = {}
_asking: dict[int, asyncio.Future] = {}


async def still_public(consultation_id: int) -> bool:
    """Whether the consultation is still public, asked at most once per process and
    ``PUBLIC_CHECK_SECONDS`` (sockets connecting meanwhile wait for the same answer)."""
    from channels.db import database_sync_to_async

    known = _public.get(consultation_id)
    now = time.monotonic()
    if known is not None and known[1] > now:
        return known[0]
    pending = _asking.get(consultation_id)
    if pending is not None and pending.get_loop() is asyncio.get_running_loop():
        return await asyncio.shield(pending)
    future = asyncio.get_running_loop().create_future()
    _asking[consultation_id] = future
    try:
        answer = await database_sync_to_async(_is_public)(consultation_id)
    except BaseException as error:
        future.set_exception(error)
        future.exception()  # retrieved: nobody else may be waiting
        raise
    finally:
        _asking.pop(consultation_id, None)
    _public[consultation_id] = (answer, time.monotonic() + PUBLIC_CHECK_SECONDS)
    future.set_result(answer)
    return answer


def _is_public(consultation_id: int) -> bool:
    from consultations.models import Consultation

    return Consultation.objects.filter(
        pk=consultation_id, visibility=Consultation.Visibility.PUBLIC
    ).exists()


def forget_public_checks() -> None:
    """For tests: ask the database again."""
    _public.clear()

"""Receivers that retire cached pages when rendered pages, or who may see them, may have changed.

Cache invalidation only: no domain behaviour lives here. Cached pages are served before Wagtail
routes the URL (``cms.page_cache.PageCacheMiddleware``), so view restrictions count as changes.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import page_cache
from consultations import realtime
from consultations.models import (
    Comment,
    Consultation,
    Council,
    Discussion,
    District,
    LiveEvent,
    Phase,
    Reaction,
    Survey,
    Topic,
)
from participation import redis_guard


def _invalidate() -> None:
    # Now, so this process (and its transaction) never reads a stale page; and again after
    # commit, because another process may have rendered the old data in between and stored
    # it under the new generation.
    page_cache.invalidate_all()
    transaction.on_commit(page_cache.invalidate_all)


def invalidate_page_cache(sender=None, **kwargs):
    _invalidate()


def _bump(name: str) -> None:
    # Now and after commit, for the same reason as ``_invalidate``.
    page_cache.bump(name)
    transaction.on_commit(lambda: page_cache.bump(name))


def _live_event_recorded(sender, instance, created=False, **kwargs):
    # Pages embed the position of the streams they listen to, and show what the events
    # announce: only the pages of the stream's consultation change. (Pruning changes no
    # position: each stream remembers how far it was pruned, see realtime.prune_events.)
    if not created:
        return
    consultation_id = realtime.consultation_of(instance.group)
    if consultation_id is None:
        _bump(page_cache.LIVE_EVENTS)
    else:
        _bump(page_cache.live_of(consultation_id))


def _reactions_changed(sender, instance, **kwargs):
    consultation_id = (
        Comment.objects.filter(pk=instance.comment_id)
        .values_list("discussion__consultation_id", flat=True)
        .first()
    )
    if consultation_id is None:
        _invalidate()
    else:
        _bump(page_cache.reactions_of(consultation_id))


def _survey_changed(sender, instance, **kwargs):
    # A survey block shows the survey's title, state and dates: its consultation's pages.
    # Site search finds published surveys by title and introduction.
    _bump(page_cache.live_of(instance.consultation_id))
    _bump(page_cache.SEARCH)


def _discussion_changed(sender, instance, **kwargs):
    # A discussion's title and description show on its own page and in the block on its
    # consultation's pages; its comments' changes arrive as live events of that consultation.
    _bump(page_cache.live_of(instance.consultation_id))


def _council_changed(sender, instance, **kwargs):
    # A council block shows the council's title, question and state: its consultation's pages.
    _bump(page_cache.live_of(instance.consultation_id))


# Tallies and report counters that search results do not show.
_COUNTERS = frozenset({"agree_count", "disagree_count", "open_report_count", "escalated"})


def _search_content_changed(sender, instance, update_fields=None, **kwargs):
    # Site search shows comments (published ones, by their text) and discussion titles.
    if update_fields and set(update_fields) <= _COUNTERS | {"modified"}:
        return
    _bump(page_cache.SEARCH)


def _invalidate_on_settings_change(sender, instance, created=False, **kwargs):
    # Settings rows are created with their defaults on first read (while rendering a page):
    # nothing visible changed then, and clearing here would defeat the cache.
    if not created:
        _invalidate()


def _invalidate_on_page_delete(sender, instance, **kwargs):
    if isinstance(instance, Page):
        _invalidate()


def connect() -> None:
    from cms.models import SiteSettings

    # Changes made while Redis was away could not retire the copies stored there.
    redis_guard.on_recovery(page_cache.invalidate_all)

    uid = "cms.page_cache"
    page_published.connect(invalidate_page_cache, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(invalidate_page_cache, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(invalidate_page_cache, dispatch_uid=f"{uid}.moved")
    # Only pages: a receiver for every model would make Django fetch rows before any delete.
    post_delete.connect(_invalidate_on_page_delete, sender=Page, dispatch_uid=f"{uid}.page_deleted")
    post_save.connect(
        _invalidate_on_settings_change, sender=SiteSettings, dispatch_uid=f"{uid}.settings.save"
    )
    post_delete.connect(
        invalidate_page_cache, sender=SiteSettings, dispatch_uid=f"{uid}.settings.delete"
    )
    post_save.connect(_live_event_recorded, sender=LiveEvent, dispatch_uid=f"{uid}.live_event.save")
    post_save.connect(_reactions_changed, sender=Reaction, dispatch_uid=f"{uid}.reaction.save")
    post_delete.connect(_reactions_changed, sender=Reaction, dispatch_uid=f"{uid}.reaction.delete")
    post_save.connect(_survey_changed, sender=Survey, dispatch_uid=f"{uid}.survey.save")
    post_delete.connect(_survey_changed, sender=Survey, dispatch_uid=f"{uid}.survey.delete")
    post_save.connect(_discussion_changed, sender=Discussion, dispatch_uid=f"{uid}.discussion.save")
    post_delete.connect(
        _discussion_changed, sender=Discussion, dispatch_uid=f"{uid}.discussion.delete"
    )
    post_save.connect(_council_changed, sender=Council, dispatch_uid=f"{uid}.council.save")
    post_delete.connect(_council_changed, sender=Council, dispatch_uid=f"{uid}.council.delete")
    for model in (Comment, Discussion):
        name = model._meta.label_lower
        post_save.connect(
            _search_content_changed, sender=model, dispatch_uid=f"{uid}.search.{name}.save"
        )
        post_delete.connect(
            _search_content_changed, sender=model, dispatch_uid=f"{uid}.search.{name}.delete"
        )
    for model in (Site, PageViewRestriction, Consultation, Phase, Topic, District):
        name = model._meta.label_lower
        post_save.connect(invalidate_page_cache, sender=model, dispatch_uid=f"{uid}.{name}.save")
        post_delete.connect(
            invalidate_page_cache, sender=model, dispatch_uid=f"{uid}.{name}.delete"
        )

"""Receivers that start a new page-cache generation when rendered pages may have changed.

Cache invalidation only: no domain behaviour lives here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import page_cache
from consultations.models import Consultation, District, Phase, Topic


def _invalidate() -> None:
    # Now, so this process (and its transaction) never reads a stale page; and again after
    # commit, because another process may have rendered the old data in between and stored
    # it under the new generation.
    page_cache.invalidate_all()
    transaction.on_commit(page_cache.invalidate_all)


def invalidate_page_cache(sender=None, **kwargs):
    _invalidate()


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

    uid = "cms.page_cache"
    page_published.connect(invalidate_page_cache, dispatch_uid=f"{uid}.published")
    page_unpublished.connect(invalidate_page_cache, dispatch_uid=f"{uid}.unpublished")
    post_page_move.connect(invalidate_page_cache, dispatch_uid=f"{uid}.moved")
    post_delete.connect(_invalidate_on_page_delete, dispatch_uid=f"{uid}.page_deleted")
    post_save.connect(
        _invalidate_on_settings_change, sender=SiteSettings, dispatch_uid=f"{uid}.settings.save"
    )
    post_delete.connect(
        invalidate_page_cache, sender=SiteSettings, dispatch_uid=f"{uid}.settings.delete"
    )
    for model in (Site, Consultation, Phase, Topic, District):
        name = model._meta.label_lower
        post_save.connect(invalidate_page_cache, sender=model, dispatch_uid=f"{uid}.{name}.save")
        post_delete.connect(
            invalidate_page_cache, sender=model, dispatch_uid=f"{uid}.{name}.delete"
        )

"""Cached HTML for anonymous readers of Wagtail pages.

Anonymous GET requests without a query string, without pending messages and outside preview
get the rendered page from Django's cache (Redis when ``REDIS_URL`` is set, so every process
shares it) for ``settings.PAGE_CACHE_SECONDS``. Keys carry a *generation*: any change that
could alter a rendered page (publishing, moving or deleting a page, site settings,
consultations and their phases, topics, districts) replaces the generation, which makes every
stored page unreachable at once (see ``cms/signals.py``). This is a cache, not domain
behaviour, so it lives in signal receivers.

Pages whose parts change live (consultation pages: results, and the discussions, surveys and
idea maps placed on them) add the newest live event id to their key (``page_cache_variant``):
every live change makes their cached copies unreachable, so readers without JavaScript never
see an outdated page, and the event id embedded for the live layer's catch-up is exact. The
home page and other editorial pages are not affected by live events.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATION_KEY = "cms:page-cache:generation"
CACHE_HEADER = "X-Page-Cache"


def current_generation() -> str:
    """The generation pages are stored under now; created on first use (or after eviction)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY) or "0"
    return generation


def invalidate_all() -> None:
    """Start a new generation: every page stored before becomes unreachable (and expires)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def _key(request, generation: str | None = None, variant: str = "") -> str:
    language = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
    raw = "\n".join([request.get_host(), language, request.path, variant])
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return f"cms:page:{generation or current_generation()}:{digest}"


def is_cacheable_request(request) -> bool:
    """Anonymous, plain GET, nothing personal pending: the same HTML fits everybody."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return False
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    if getattr(request, "is_preview", False) or getattr(request, "is_dummy", False):
        return False
    if "messages" in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return not (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        and session is not None
        and session.get("_messages")
    )


def cached_response(request, variant: str = "") -> HttpResponse | None:
    entry = cache.get(_key(request, variant=variant))
    if entry is None:
        return None
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response[CACHE_HEADER] = "hit"
    return response


def store_when_rendered(request, response, variant: str = "") -> None:
    """Store ``response`` once rendered, if it is a plain 200 page fit for every reader."""
    generation = current_generation()

    def store(rendered):
        if rendered.status_code != 200 or rendered.cookies:
            return
        # A CSRF token in the HTML belongs to one visitor only.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
            return
        cache.set(
            _key(request, generation, variant),
            {"content": rendered.content, "content_type": rendered["Content-Type"]},
            timeout=settings.PAGE_CACHE_SECONDS,
        )
        rendered[CACHE_HEADER] = "miss"

    if hasattr(response, "add_post_render_callback"):
        response.add_post_render_callback(store)
    else:
        store(response)


class CachedPageMixin:
    """Serve anonymous readers from the page cache; set ``cache_for_anonymous = False`` on a
    page type whose HTML differs between anonymous readers."""

    cache_for_anonymous = True

    def page_cache_variant(self, request) -> str:
        """Extra part of the cache key; pages that change live return the newest event id."""
        return ""

    def serve(self, request, *args, **kwargs):
        cacheable = self.cache_for_anonymous and is_cacheable_request(request)
        if cacheable:
            variant = self.page_cache_variant(request)
            hit = cached_response(request, variant)
            if hit is not None:
                return hit
        response = super().serve(request, *args, **kwargs)
        if cacheable and response.status_code == 200:
            store_when_rendered(request, response, variant)
        return response

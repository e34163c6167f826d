"""Cached HTML for anonymous readers of Wagtail pages.

Anonymous GET (and HEAD) requests without a query string, without pending messages and outside
preview get the rendered page from Django's cache (Redis when ``REDIS_URL`` is set, so every
process shares it) for ``settings.PAGE_CACHE_SECONDS``.

Two halves, both here:

- ``CachedPageMixin.serve`` *stores* a page after Wagtail has routed the URL, checked view
  restrictions and the page's own permission check has passed. Pages with view restrictions
  (password, login, groups) are never stored.
- ``PageCacheMiddleware`` *serves* stored pages before Wagtail routes the URL, so a hit costs no
  site lookup, no page-tree queries and no permission check. Everything that decides what an
  anonymous reader may see must therefore retire the stored copies when it changes.

Keys carry a *generation*: any change that could alter a rendered page or who may see it
(publishing, moving or deleting a page, view restrictions, site settings, consultations and
their phases, topics, districts) replaces the generation, which makes every stored page
unreachable at once (see ``cms/signals.py``). This is a cache, not domain behaviour, so it
lives in signal receivers.

Pages whose parts change live (consultation pages: results, and the discussions, surveys and
idea maps placed on them) name *versions* they depend on (``page_cache_dependencies``), one set
per consultation: a live event recorded in a stream of a consultation (its own, its
discussions', its moderators'; ``realtime.consultation_of``) replaces ``live_of()`` that
consultation, every reaction its ``reactions_of()``; the pages of other consultations stay
warm. An event of a stream that belongs to no known consultation replaces ``LIVE_EVENTS``, which
every consultation page depends on too. A stored copy remembers the versions it was rendered
under and is served only while they are current, so readers without JavaScript never see an
outdated page, and the stream positions embedded for the live layer's catch-up are exact. The
home page and other editorial pages are not affected by live events.

Pages of views outside Wagtail are stored the same way when they are named in ``CACHED_VIEWS``
(the discussion page, whose app may not import this one): the URL name maps to the versions a
stored copy depends on, and to the query parameters that select what it shows (sort order and
page), which become the key's variant; any other query string is not cached. The middleware
both serves and stores them, around the view.

Redis is not the truth: the page cache uses the ``pages`` cache alias, which stores and finds
nothing while Redis is away (``participation/cache.py``), so pages are rendered afresh then.
Whatever was changed meanwhile could not retire the copies in Redis, so when Redis answers again
``cms/signals.py`` starts a new generation before anybody reads from it.

Nothing personal is ever stored: a response that set a cookie or used a CSRF token is not
cached. Our templates use no CSP nonces (scripts are external files), so a stored page is valid
under the Content-Security-Policy header every response gets from ``CSPMiddleware``; the same
outer middleware add the same headers to hits and to freshly rendered pages.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db.models import Min, Q
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from participation import cache as shared_cache

# A cache alias that stores nothing while Redis is away (see participation/cache.py).
CACHE_ALIAS = "pages"
GENERATION_KEY = "cms:page-cache:generation"
CACHE_HEADER = "X-Page-Cache"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
# Only URLs Wagtail's page view answers are looked up (never admin, media, accounts, ...).
WAGTAIL_SERVE_URL_NAME = "wagtail_serve"

# Versions that pages can depend on (see the module docstring).
LIVE_EVENTS = "live-events"
# Site search results (cms/search.py): retired when a comment, discussion or survey changes.
SEARCH = "search"


def live_of(consultation_id: int) -> str:
    return f"live.{int(consultation_id)}"


def _cache():
    # Settings without the alias (a test's own CACHES) keep working with the default one.
    return caches[CACHE_ALIAS if CACHE_ALIAS in settings.CACHES else "default"]


def reactions_of(consultation_id: int) -> str:
    return f"reactions.{int(consultation_id)}"


def _new_token() -> str:
    return uuid.uuid4().hex


def current_generation() -> str:
    """The generation pages are stored under now; created on first use (or after eviction)."""
    generation = _cache().get(GENERATION_KEY)
    if generation is None:
        _cache().add(GENERATION_KEY, _new_token(), timeout=None)
        generation = _cache().get(GENERATION_KEY) or "0"
    return generation


def invalidate_all() -> None:
    """Start a new generation: every page stored before becomes unreachable (and expires)."""
    _cache().set(GENERATION_KEY, _new_token(), timeout=None)


def _version_key(name: str) -> str:
    return f"cms:page-cache:version:{name}"


def current_versions(names: Iterable[str]) -> dict[str, str]:
    """The current token of each named version; created on first use (or after eviction)."""
    keys = {name: _version_key(name) for name in names}
    found = _cache().get_many(keys.values()) if keys else {}
    versions = {}
    for name, key in keys.items():
        token = found.get(key)
        if token is None:
            _cache().add(key, _new_token(), timeout=None)
            token = _cache().get(key) or "0"
        versions[name] = token
    return versions


def bump(*names: str) -> None:
    """Replace the named versions: stored pages that depend on them are no longer served."""
    _cache().set_many({_version_key(name): _new_token() for name in names}, timeout=None)


def _key(request, generation: str, variant: str = "") -> str:
    language = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
    raw = "\n".join([request.get_host(), language, request.path, variant])
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return f"cms:page:{generation}:{digest}"


def _is_plain_request(request, *, with_query: bool = False) -> bool:
    if settings.PAGE_CACHE_SECONDS <= 0 or not shared_cache.is_available(_cache()):
        return False
    if request.method not in CACHEABLE_METHODS:
        return False
    if request.META.get("QUERY_STRING") and not with_query:
        return False
    return not (getattr(request, "is_preview", False) or getattr(request, "is_dummy", False))


def _is_anonymous_without_messages(request) -> bool:
    if "messages" in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return not (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        and session is not None
        and session.get("_messages")
    )


def is_cacheable_request(request, *, with_query: bool = False) -> bool:
    """Anonymous, plain GET or HEAD, nothing personal pending: the same HTML fits everybody.

    ``with_query``: a view that reads its query string (site search) may be stored too; it
    passes what it read, normalised, as the ``variant`` of the key."""
    return _is_plain_request(request, with_query=with_query) and _is_anonymous_without_messages(
        request
    )


def cached_response(request, generation: str, variant: str = "") -> HttpResponse | None:
    """The stored page for this request, if there is one and it is still current."""
    entry = _cache().get(_key(request, generation, variant))
    if entry is None:
        return None
    versions = entry.get("versions")
    if versions:
        keys = {name: _version_key(name) for name in versions}
        found = _cache().get_many(keys.values())
        if any(found.get(key) != versions[name] for name, key in keys.items()):
            return None
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response[CACHE_HEADER] = "hit"
    return response


def cache_timeout(now=None) -> int:
    """``PAGE_CACHE_SECONDS``, but no longer than until the next phase of any consultation
    starts or ends: pages show what residents may do now, and phases change by the clock, not
    by a publish that would clear the cache."""
    from consultations.models import Phase

    now = now or timezone.now()
    boundaries = Phase.objects.aggregate(
        start=Min("start", filter=Q(start__gt=now)), end=Min("end", filter=Q(end__gt=now))
    )
    timeout = settings.PAGE_CACHE_SECONDS
    for boundary in boundaries.values():
        if boundary is not None:
            timeout = min(timeout, math.ceil((boundary - now).total_seconds()))
    return max(timeout, 1)


def store_when_rendered(
    request, response, generation: str, versions: dict[str, str], variant: str = ""
) -> None:
    """Store ``response`` once rendered, if it is a plain 200 page fit for every reader.

    ``generation`` and ``versions`` must be read before the page's data is: a change committed
    while the page renders then retires the copy stored here."""

    def store(rendered):
        if rendered.status_code != 200 or rendered.cookies:
            return
        # A CSRF token in the HTML belongs to one visitor only.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
            return
        _cache().set(
            _key(request, generation, variant),
            {
                "content": rendered.content,
                "content_type": rendered["Content-Type"],
                "versions": versions,
            },
            timeout=cache_timeout(),
        )
        rendered[CACHE_HEADER] = "miss"

    if hasattr(response, "add_post_render_callback"):
        response.add_post_render_callback(store)
    else:
        store(response)


class CachedPageMixin:
    """Store pages for anonymous readers (``PageCacheMiddleware`` serves them); set
    ``cache_for_anonymous = False`` on a page type whose HTML differs between anonymous
    readers."""

    cache_for_anonymous = True

    def page_cache_dependencies(self) -> list[str]:
        """Names of the versions a stored copy depends on; pages that change live name them."""
        return []

    def can_cache_for_anonymous(self) -> bool:
        """Whether every anonymous reader may get this page; never with view restrictions (a
        reader who entered a page's password must not store it for everybody)."""
        return self.cache_for_anonymous and not self.get_view_restrictions().exists()

    def serve(self, request, *args, **kwargs):
        storing = is_cacheable_request(request) and self.can_cache_for_anonymous()
        if storing:
            # Read before the page's data (the middleware read it before routing, even).
            generation = getattr(request, "page_cache_generation", None) or current_generation()
            versions = current_versions(self.page_cache_dependencies())
        response = super().serve(request, *args, **kwargs)
        if storing and response.status_code == 200:
            store_when_rendered(request, response, generation, versions)
        return response


@dataclass(frozen=True)
class CachedView:
    """A view outside Wagtail whose anonymous pages are stored: ``dependencies`` names the
    versions a copy depends on, from the URL's arguments (``None``: nothing to store, e.g. the
    object does not exist); ``query`` maps each query parameter that may vary to a check of its
    value (a value that fails it is not cached, so a stranger cannot fill the cache with
    variants)."""

    dependencies: Callable[[dict], list[str] | None]
    query: dict[str, Callable[[str], bool]]

    def variant(self, request) -> str | None:
        """The normalised query string for the key, or ``None`` if it is not cacheable."""
        if set(request.GET) - set(self.query):
            return None
        parts = []
        for name, check in sorted(self.query.items()):
            values = request.GET.getlist(name)
            if len(values) > 1 or (values and not check(values[0])):
                return None
            parts.append(f"{name}={values[0] if values else ''}")
        return "&".join(parts)


def _discussion_dependencies(kwargs: dict) -> list[str] | None:
    from consultations.models import Discussion

    consultation_id = (
        Discussion.objects.filter(pk=kwargs.get("pk"))
        .values_list("consultation_id", flat=True)
        .first()
    )
    if consultation_id is None:
        return None
    return [live_of(consultation_id), reactions_of(consultation_id)]


def _sort_order(value: str) -> bool:
    return value in {"oldest", "newest", "supported"}


def _page_number(value: str) -> bool:
    return value.isdigit() and 0 < len(value) <= 4


# URL name → how its anonymous pages are cached. A discussion page shows its comments, their
# tallies and the discussion: a live event of its consultation (a comment posted, changed,
# removed; the discussion changed, cms/signals.py) or a reaction retires the stored copies.
CACHED_VIEWS = {
    "discussion_detail": CachedView(
        dependencies=_discussion_dependencies,
        query={"sort": _sort_order, "page": _page_number},
    ),
}


def _resolve(request):
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def _served_by_wagtail(request) -> bool:
    match = _resolve(request)
    return match is not None and match.url_name == WAGTAIL_SERVE_URL_NAME


class PageCacheMiddleware:
    """Serve stored pages to anonymous readers before Wagtail routes the URL.

    Sits just inside every other middleware but ``SyncChainMiddleware``: language, session,
    user and messages are known, and hits pass through the same response middleware (security
    headers, Content-Language and Vary, CSP, X-Frame-Options) as freshly rendered pages. Sync
    only, like ``SyncChainMiddleware``, so under ASGI the chain still runs in one thread.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_plain_request(request, with_query=True):
            return self.get_response(request)
        match = _resolve(request)
        if match is None:
            return self.get_response(request)
        if match.url_name != WAGTAIL_SERVE_URL_NAME:
            return self._serve_view(request, match)
        # Asking for the user loads the session (and adds "Vary: Cookie"): only for page URLs.
        if not request.META.get("QUERY_STRING") and _is_anonymous_without_messages(request):
            generation = current_generation()
            hit = cached_response(request, generation)
            if hit is not None:
                return hit
            # A page rendered now is stored under the generation read before it was routed, so
            # a change committed meanwhile retires it.
            request.page_cache_generation = generation
        return self.get_response(request)

    def _serve_view(self, request, match):
        """Serve or store the page of a view named in ``CACHED_VIEWS``."""
        cached_view = CACHED_VIEWS.get(match.url_name)
        variant = cached_view.variant(request) if cached_view is not None else None
        if variant is None or not _is_anonymous_without_messages(request):
            return self.get_response(request)
        generation = current_generation()
        hit = cached_response(request, generation, variant)
        if hit is not None:
            return hit
        # Read before the view reads its data, so a change committed meanwhile retires the copy.
        dependencies = cached_view.dependencies(match.kwargs)
        if dependencies is None:
            return self.get_response(request)
        versions = current_versions(dependencies)
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming:
            store_when_rendered(request, response, generation, versions, variant)
        return response

"""Template context shared by every public page."""

from __future__ import annotations

from django.core.cache import cache
from wagtail.models import Page, Site

from cms import page_cache

NAVIGATION_CACHE_SECONDS = 3600


def _menu_items(request, site: Site) -> list[dict]:
    """Title and URL of the home page's live, public children marked "show in menus"."""
    key = f"cms:navigation:{page_cache.current_generation()}:{site.pk}"
    items = cache.get(key)
    if items is None:
        children = Page.objects.child_of(site.root_page).live().in_menu().public()
        items = [
            {"title": page.title, "url": page.get_url(request=request)}
            for page in children.order_by("path")
        ]
        items = [item for item in items if item["url"]]
        cache.set(key, items, NAVIGATION_CACHE_SECONDS)
    return items


def navigation(request):
    """``main_navigation``: ``{title, url, active}`` for each top-level menu page.

    Built once per site and cache generation (publishing starts a new one), then memoised on
    the request, so a page render costs at most the site lookup.
    """
    memo = getattr(request, "_mitreden_navigation", None)
    if memo is not None:
        return {"main_navigation": memo}
    site = Site.find_for_request(request)
    items = _menu_items(request, site) if site is not None else []
    path = request.path
    memo = [
        {
            **item,
            "active": path == item["url"] or (item["url"] != "/" and path.startswith(item["url"])),
        }
        for item in items
    ]
    request._mitreden_navigation = memo
    return {"main_navigation": memo}
